// The gluster layer: argv builders, XML parsers and the health verdict, all pure functions.
export * from './commands';
export * from './errors';
export * from './health';
export * from './mounts';
export * from './heal';
export * from './peers';
export * from './types';
export * from './volumeInfo';
export * from './volumeStatus';
export { checkCliResult, parseCliOutput } from './xml';
