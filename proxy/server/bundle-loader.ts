// Runs dist/tsenvoy-bundle.js, the server as one file (build-bundle.ts), with V8's code cache.
// Loading ~200 compiled modules one by one cost ~130 ms of CPU at start-up on the bench machine:
// a resolution (stats, package.json lookups) and a full parse per file. One file skips the
// resolutions; the code cache, recorded at build time, skips parsing and compiling the functions
// start-up runs. Anything stale or missing falls back: an out-of-date bundle (dist/ recompiled
// by tsc after the bundle was made) is not used, and V8 rejects a cache made by another Node
// version or with other V8 flags, which then only costs the compile.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as zlib from 'node:zlib';
import Module = require('node:module');

export const BUNDLE_FILE = 'tsenvoy-bundle.js';
export const CACHE_FILE = 'tsenvoy-bundle.cache';
/** `node bin/tsenvoy.js ...` with this set to 1 writes the code cache at exit (build time only). */
export const RECORD_ENV = 'TSENVOY_RECORD_CODE_CACHE';
/** The compiled main the bundle was made from; tsc rewrites it on every build. */
const MAIN = path.join('proxy', 'server', 'main.js');
const MAGIC = 'tsenvoy-code-cache-2';
/** zlib.crc32 (Node >= 20.15): V8 does not checksum cached data, and corrupt data can abort it. */
const crc32 = (zlib as unknown as { crc32?: (data: Buffer | string) => number }).crc32;
/**
 * The bundle is written already wrapped as a CommonJS module function, so V8 compiles the file's
 * text as read: wrapping it here would keep a second ~1 MB copy of the source in the heap.
 */
export const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname) {';
export const BUNDLE_TAIL = '\n})';

interface CacheHeader {
  readonly magic: string;
  /** The bundle the cache was made from: V8 checks only the source's length, so this checks the rest. */
  readonly size: number;
  readonly mtimeMs: number;
  /** CRC-32 of the bundle's text and of the cached data that follows the header. */
  readonly sourceCrc: number;
  readonly dataCrc: number;
}

function mtimeMs(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** A cache file: a 4-byte header length, the JSON header, then V8's cached data. */
function readCache(file: string, bundle: fs.Stats, source: string): Buffer | undefined {
  if (crc32 === undefined) return undefined;
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < 4) return undefined;
  const n = buf.readUInt32LE(0);
  if (4 + n > buf.length) return undefined;
  const data = buf.subarray(4 + n);
  try {
    const h = JSON.parse(buf.toString('utf8', 4, 4 + n)) as CacheHeader;
    if (h.magic !== MAGIC || h.size !== bundle.size || h.mtimeMs !== bundle.mtimeMs) return undefined;
    if (h.dataCrc !== crc32(data) || h.sourceCrc !== crc32(Buffer.from(source, 'latin1'))) return undefined;
  } catch {
    return undefined;
  }
  return data;
}

/** Written whole or not at all: a temporary file renamed over the old one. */
function writeCache(file: string, bundle: fs.Stats, source: string, data: Buffer): void {
  if (crc32 === undefined) return;
  const h: CacheHeader = { magic: MAGIC, size: bundle.size, mtimeMs: bundle.mtimeMs, sourceCrc: crc32(Buffer.from(source, 'latin1')), dataCrc: crc32(data) };
  const header = Buffer.from(JSON.stringify(h));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, Buffer.concat([len, header, data]));
  fs.renameSync(tmp, file);
}

export interface BundleRun {
  /** Whether V8 took the code cache (false: none, stale, or rejected). */
  readonly cacheUsed: boolean;
}

/**
 * Runs the bundle in `distDir` as a CommonJS module, or returns undefined (running nothing) when
 * there is no bundle or it is older than the compiled main next to it.
 */
export function runBundle(distDir: string, record = process.env[RECORD_ENV] === '1'): BundleRun | undefined {
  const file = path.join(distDir, BUNDLE_FILE);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  const main = mtimeMs(path.join(distDir, MAIN));
  if (main !== undefined && main > stat.mtimeMs) return undefined;
  const cacheFile = path.join(distDir, CACHE_FILE);
  const source = fs.readFileSync(file, 'latin1');
  // A truncated or foreign file is not run: dist/ module by module serves instead.
  if (!source.startsWith(BUNDLE_HEAD) || !source.slice(-8).trimEnd().endsWith(BUNDLE_TAIL.trim())) return undefined;
  const cachedData = record ? undefined : readCache(cacheFile, stat, source);
  let script: vm.Script;
  try {
    script = new vm.Script(source, { filename: file, cachedData });
  } catch {
    return undefined;
  }
  if (record) process.once('exit', () => writeCache(cacheFile, stat, source, script.createCachedData()));
  const mod = new Module(file, module);
  mod.filename = file;
  const req = Module.createRequire(file);
  const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => void;
  fn.call(mod.exports, mod.exports, req, mod, file, distDir);
  mod.loaded = true;
  return { cacheUsed: cachedData !== undefined && !script.cachedDataRejected };
}

// `node dist/proxy/server/bundle-loader.js <tsenvoy args>`: the bundle of this dist/ and nothing
// else (build-bundle.ts records the code cache this way).
if (require.main === module) {
  if (!runBundle(path.resolve(__dirname, '..', '..'))) {
    process.stderr.write(`tsenvoy: no up-to-date ${BUNDLE_FILE} next to ${path.resolve(__dirname, '..', '..')}\n`);
    process.exitCode = 1;
  }
}
