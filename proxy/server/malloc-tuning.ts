// Fixes glibc malloc's mmap threshold at start-up (see native/malloc-tuning.cc for why): large
// buffers freed after a big xDS response then go back to the system instead of staying in the
// process. MALLOC_MMAP_THRESHOLD_ in the environment, set by the operator, wins: glibc has read
// it already and we leave it alone. Without the addon or off glibc nothing changes.
import { getLogger } from '../common/logger';
import { nativeSocketApi } from '../network/native';

/** glibc's initial threshold, the one its dynamic adjustment starts from. */
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

const log = getLogger('main');

export function tuneMalloc(env: NodeJS.ProcessEnv = process.env): void {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return;
  const api = nativeSocketApi(true);
  if (api?.setMmapThreshold === undefined) return;
  const rc = api.setMmapThreshold(MMAP_THRESHOLD_BYTES);
  if (rc !== 0) log.debug('malloc mmap threshold left to the allocator (%d): not glibc', rc);
}
