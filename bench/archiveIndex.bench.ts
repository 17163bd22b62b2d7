// Archive index and comparison at scale, each next to the shell tools doing the same job in
// the same run:
//  A. a real tree of 20k files (~2 GB): header walk vs `tar -tf` (and tar-stream extract(),
//     which reads every byte); find + compare vs `tar -tf | sort`, `find | sort`, `comm`.
//  B. a synthetic 1M-member archive (tar-stream's packer) and a 1M-line find listing: time and
//     peak RSS of index + parse + compare, measured in a child process of its own.
// Local files only. BENCH_DIR picks the scratch directory, BENCH_KEEP=1 keeps it.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, extract as tarExtract } from 'tar-stream';
import { compareArchive, compareArchiveWithListing, fileReader, fsListArgv, indexTar, parseFsList, FsListParser } from '../src/core/archive';
import { ms, sample } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const peakRssMb = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

function sh(script: string): void {
  const r = spawnSync('bash', ['-c', script], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LC_ALL: 'C' } });
  if (r.status !== 0) throw new Error(`${script}: exit ${r.status}`);
}
async function timeSh(script: string): Promise<number> {
  return (await sample(RUNS, async () => sh(script))).p50;
}

/** Deterministic pseudo-random sizes, log-uniform 100 B .. 1 MB (mean ~110 KB). */
function* sizes(n: number): Generator<number> {
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield Math.round(100 * Math.pow(10000, x / 2147483648));
  }
}

async function realTree(dir: string): Promise<void> {
  const root = path.join(dir, 'tree');
  const file = path.join(dir, 'tree.tar');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(root, { recursive: true });
    let i = 0;
    for (const size of sizes(20000)) {
      const d = path.join(root, `d${i % 100}`, `s${i % 7}`);
      if (i < 700) fs.mkdirSync(d, { recursive: true });
      const f = path.join(d, `file ${i}.dat`);
      fs.writeFileSync(f, '');
      // Sparse files: creating 2 GB of data is not what is measured; tar stores them whole.
      fs.truncateSync(f, size);
      i++;
    }
    const t0 = now();
    execFileSync('tar', ['-C', root, '--format=gnu', '-cf', file, '.']);
    console.log(`A. tar -cf of 20k files: ${ms(now() - t0)}`);
  }
  const size = fs.statSync(file).size;
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] }); // page cache warm
  let last: Awaited<ReturnType<typeof indexTar>> | undefined;
  const walk = await sample(RUNS, async () => {
    const r = fileReader(file);
    last = await indexTar(r);
    await r.close?.();
  });
  const tarTf = await timeSh(`tar -tf '${file}' > /dev/null`);
  const ts = await sample(1, async () => {
    const ex = tarExtract();
    let n = 0;
    ex.on('entry', (_h, s, next) => {
      n++;
      s.on('end', next);
      s.resume();
    });
    await pipeline(fs.createReadStream(file), ex);
    if (n === 0) throw new Error('no entries');
  });
  console.log(`A. archive ${mb(size)}, ${last!.entries.length} members`);
  console.log(`   header walk: ${ms(walk.p50)} p50 (p95 ${ms(walk.p95)}), read ${mb(last!.bytesRead)} = ${((last!.bytesRead / size) * 100).toFixed(3)}% in ${last!.reads} reads`);
  console.log(`   tar -tf:     ${ms(tarTf)} p50;  tar-stream extract(): ${ms(ts.p50)}`);

  const argv = fsListArgv(root);
  let report: ReturnType<typeof compareArchive> | undefined;
  const cmp = await sample(RUNS, async () => {
    const r = fileReader(file);
    const idx = await indexTar(r);
    await r.close?.();
    const fsT = parseFsList(execFileSync(argv[0], argv.slice(1), { maxBuffer: 1 << 30 }));
    report = compareArchive(idx, fsT);
  });
  const ref = await timeSh(
    `tar -tf '${file}' | sed -e 's|^\\./||' -e 's|/$||' | sort > '${dir}/a.txt'; find '${root}' -mindepth 1 -printf '%P\\n' | sort > '${dir}/b.txt'; comm -3 '${dir}/a.txt' '${dir}/b.txt' > /dev/null`,
  );
  console.log(`   index + find + compare: ${ms(cmp.p50)} p50, verdict ${report!.verdict};  tar -tf|sort + find|sort + comm: ${ms(ref)}`);
}

async function syntheticArchive(file: string, n: number): Promise<void> {
  if (fs.existsSync(file)) return;
  const p = tarPack();
  const done = pipeline(p, fs.createWriteStream(file));
  const mtime = new Date(1700000000000);
  const data = Buffer.alloc(100, 0x61);
  for (let i = 0; i < n; i++) {
    const name = `vol/d${i % 1000}/sub${i % 37}/file-${i}-with-a-longer-name.dat`;
    // Every 10th member has data, so the walk has something to skip.
    await new Promise<void>((res, rej) => p.entry({ name, mtime, size: i % 10 === 0 ? 100 : 0 }, i % 10 === 0 ? data : Buffer.alloc(0), (e) => (e ? rej(e) : res())));
  }
  p.finalize();
  await done;
}

function syntheticFsList(file: string, n: number): void {
  if (fs.existsSync(file)) return;
  const out = fs.openSync(file, 'w');
  let chunk: Buffer[] = [];
  // The same names, except that every 1000th is missing from the archive side's view and
  // every 999th changed size.
  for (let i = 0; i < n; i++) {
    const name = i % 1000 === 0 ? `vol/d${i % 1000}/sub${i % 37}/added-${i}.dat` : `vol/d${i % 1000}/sub${i % 37}/file-${i}-with-a-longer-name.dat`;
    const size = i % 10 === 0 ? 100 : i % 999 === 0 ? 7 : 0;
    chunk.push(Buffer.from(`f ${size} 1700000000.2500000000 ${name}\0\0`));
    if (chunk.length === 10000) {
      fs.writeSync(out, Buffer.concat(chunk));
      chunk = [];
    }
  }
  fs.writeSync(out, Buffer.concat(chunk));
  fs.closeSync(out);
}

async function millionChild(mode: string, tarFile: string, listFile: string): Promise<void> {
  const t0 = now();
  const r = fileReader(tarFile);
  const idx = await indexTar(r);
  await r.close?.();
  const t1 = now();
  const rssIndex = process.memoryUsage().rss;
  const listing = () => fs.createReadStream(listFile, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  let rep: ReturnType<typeof compareArchive>;
  if (mode === 'stream') {
    // The listing goes through the comparison as find's output would arrive: never held.
    rep = await compareArchiveWithListing(idx, listing());
  } else {
    const parser = new FsListParser();
    for await (const c of listing()) parser.push(c);
    rep = compareArchive(idx, parser.end());
  }
  const t2 = now();
  console.log(
    JSON.stringify({
      members: idx.entries.length,
      fsEntries: rep.filesystem.entries,
      problem: idx.problem ?? null,
      bytesRead: idx.bytesRead,
      archiveSize: idx.archiveSize,
      reads: idx.reads,
      indexMs: t1 - t0,
      compareMs: t2 - t1,
      rssAfterIndexMb: rssIndex / 1048576,
      peakRssMb: peakRssMb(),
      missing: rep.missingFiles.count,
      extra: rep.extra.count,
      changed: rep.changed.count,
    }),
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--million-child') return millionChild(process.argv[3], process.argv[4], process.argv[5]);
  const dir = process.env.BENCH_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gb-archive-bench-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    await realTree(dir);

    const N = Number(process.env.BENCH_MEMBERS ?? 1_000_000);
    const tarFile = path.join(dir, 'million.tar');
    const listFile = path.join(dir, 'million.fslist');
    let t0 = now();
    await syntheticArchive(tarFile, N);
    syntheticFsList(listFile, N);
    console.log(`B. synthetic archive ${mb(fs.statSync(tarFile).size)}, ${N} members (made in ${ms(now() - t0)})`);
    execFileSync('cat', [tarFile], { stdio: ['ignore', 'ignore', 'ignore'] });
    for (const mode of ['stream', 'table']) {
      t0 = now();
      const child = execFileSync(process.execPath, [__filename, '--million-child', mode, tarFile, listFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const wall = now() - t0;
      const m = JSON.parse(child.trim().split('\n').pop()!);
      console.log(
        `   ${mode === 'stream' ? 'listing streamed into the comparison' : 'listing parsed into a table, then compared'}: index ${ms(m.indexMs)} (${m.reads} reads, ${((m.bytesRead / m.archiveSize) * 100).toFixed(1)}% of the archive), parse + compare ${ms(m.compareMs)}, process wall ${ms(wall)}`,
      );
      console.log(`     RSS after index ${m.rssAfterIndexMb.toFixed(0)} MB, peak RSS ${m.peakRssMb.toFixed(0)} MB; missing ${m.missing}, extra ${m.extra}, changed ${m.changed}`);
    }
    const tf = await timeSh(`tar -tf '${tarFile}' > /dev/null`);
    const ref = await timeSh(
      `tar -tf '${tarFile}' | sed -e 's|^\\./||' -e 's|/$||' | sort > '${dir}/ma.txt'; tr '\\0' '\\n' < '${listFile}' | awk 'NF' | cut -d' ' -f4- | sort > '${dir}/mb.txt'; comm -3 '${dir}/ma.txt' '${dir}/mb.txt' > /dev/null`,
    );
    console.log(`   tar -tf: ${ms(tf)};  tar -tf|sort + listing|sort + comm: ${ms(ref)}`);
  } finally {
    if (!process.env.BENCH_KEEP && !process.env.BENCH_DIR) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
