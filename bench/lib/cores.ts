// Which core runs what. With two or more cores the proxy under test gets core 1 to itself and the
// load generator plus the upstream share core 0, so the proxy's numbers are not its load's.
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { v8PoolSize } from '../../proxy/server/helper-threads';

export interface CpuPlan {
  readonly taskset: string | undefined;
  readonly proxyCpu: number | undefined;
  readonly loadCpu: number | undefined;
  readonly note: string;
}

let cached: CpuPlan | undefined;

function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function cpuPlan(): CpuPlan {
  if (cached) return cached;
  const cores = os.availableParallelism();
  const taskset = which('taskset');
  if (!taskset || cores < 2) {
    cached = { taskset: undefined, proxyCpu: undefined, loadCpu: undefined,
      note: `no pinning (${taskset ? `${cores} core` : 'taskset not found'}): proxy and load share the cores` };
  } else {
    cached = { taskset, proxyCpu: 1, loadCpu: 0,
      note: `pinned with taskset: proxy under test on core 1; load generator and upstream on core 0 (${cores} cores)` };
  }
  return cached;
}

/**
 * Moves this process (every thread: `taskset -a`) to the load core, for scenarios whose driver
 * does work while the proxy is measured (xds-push's control plane and pollers took ~15% of the
 * proxy's core, unpinned). Returns what puts it back on every core; a no-op without pinning.
 */
export function pinSelfToLoadCore(plan: CpuPlan = cpuPlan()): () => void {
  if (!plan.taskset || plan.loadCpu === undefined) return () => undefined;
  const all = `0-${os.availableParallelism() - 1}`;
  const set = (cpus: string): void => {
    try {
      execFileSync(plan.taskset!, ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
    } catch {
      // Not fatal: the run says where things were meant to run; the numbers are just noisier.
    }
  };
  set(String(plan.loadCpu));
  return () => set(all);
}

/**
 * What bin/tsenvoy (`npx tsenvoy`) adds to node's command line for a process confined to one CPU:
 * V8's helper pool cut to one thread (--v8-pool-size=1). For a tsenvoy the bench pins to one core
 * and starts with node itself; nothing when it is not pinned, or when `given` (the node flags the
 * bench passes) or NODE_OPTIONS size the pool already (BENCH_XDS_NODE_ARGS=--v8-pool-size=4 gives
 * Node's default back).
 */
export function oneCpuNodeFlags(pinned: boolean, given: readonly string[] = []): string[] {
  if (!pinned) return [];
  if (v8PoolSize(given, process.env) !== undefined) return [];
  return ['--v8-pool-size=1'];
}
