// Loads the native addon (build/Release/tsenvoy_native.node, built by node-gyp at npm install).
// Without it the proxy still runs: original destination falls back to the local address and
// transparent listeners cannot be created; the first use logs that once.
import * as os from 'node:os';
import * as path from 'node:path';
import { getLogger } from '../common/logger';
import { packageRoot } from '../common/package-root';

export interface NativeSocketApi {
  /** {ip, port, family} or a negative errno. */
  getOriginalDst(fd: number): { ip: string; port: number; family: 4 | 6 } | number;
  setTransparent(fd: number, family: 4 | 6, on: boolean): number;
  /** fd or a negative errno; the socket is bound and listening, non-blocking, close-on-exec. */
  createListenSocket(
    ip: string,
    port: number,
    family: 4 | 6,
    transparent: boolean,
    freebind: boolean,
    reusePort: boolean,
    ipv6Only: boolean,
    backlog: number,
  ): number;
  closeFd(fd: number): number;
  getSockOptInt(fd: number, level: number, name: number): number;
  /** glibc mallopt(M_MMAP_THRESHOLD): 0, or a negative errno (-ENOSYS off glibc); absent in older builds. */
  setMmapThreshold?(bytes: number): number;
  readonly constants: Readonly<Record<string, number>>;
}

const log = getLogger('connection');
let loaded: NativeSocketApi | null | undefined;
let loadError = '';
let warned = false;

/** The addon, loaded on first call. `quiet`: a missing addon is not worth a warning to this caller. */
export function nativeSocketApi(quiet = false): NativeSocketApi | undefined {
  if (loaded === undefined) {
    const file = process.env.TSENVOY_NATIVE_ADDON ?? path.join(packageRoot(), 'build', 'Release', 'tsenvoy_native.node');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(file) as NativeSocketApi;
    } catch (e) {
      loaded = null;
      loadError = (e as Error).message;
    }
  }
  if (loaded === null && !quiet && !warned) {
    warned = true;
    log.warn('native socket addon unavailable (%s): original destination falls back to the local address, transparent listeners are unsupported', loadError);
  }
  return loaded ?? undefined;
}

export function nativeLoadError(): string {
  return loadError;
}

/** errno -> name for messages (the few the addon can return). */
export function errnoName(neg: number): string {
  const n = -neg;
  for (const [name, v] of Object.entries(os.constants.errno as Record<string, number>)) if (v === n) return name;
  return `errno ${n}`;
}
