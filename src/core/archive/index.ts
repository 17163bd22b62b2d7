// The archive index and its comparison with a filesystem listing, for validate-backup.
export * from './reader';
export * from './paths';
export * from './entryTable';
export * from './tarHeader';
export * from './tarIndex';
export * from './fsList';
export * from './compare';
export * from './tarListing';
export * from './deviceList';
