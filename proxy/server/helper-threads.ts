// The event loop is tsenvoy's one serving thread. Node's other threads exist before tsenvoy's first
// line runs: V8's platform workers (concurrent marking, parallel scavenges, background compiles),
// the platform's delayed-task thread and the SIGUSR1 watcher. A process confined to one CPU (its
// cpuset or affinity) runs them on the loop's core, and the kernel hands them slices of several ms
// in the middle of requests: while a 10,000-cluster push is applied, stalls of 20-30 ms that set
// the requests' p99 (bench xds-push). There, once the server is LIVE, they go to nice 19: they run
// when the loop waits for I/O, and V8 does the GC work they leave in its own short steps on the
// loop. The price is CPU: a big push takes longer, as V8's collector and optimising compiler then
// mostly wait for the loop (README, tuning). Start-up, with no traffic to protect yet, keeps their
// help. With more CPUs they are left alone (they run beside the loop).
// The launcher notes which threads are Node's before any other starts (libuv's pool, for DNS
// lookups and files, is started later by the loop and keeps its priority); the kernel lets an
// unprivileged process lower a thread's priority but not raise it again, so it is done once.
// TSENVOY_HELPER_THREAD_NICE=<0-19> overrides: 0 leaves them alone, 1-19 lowers them to that
// value whatever the CPU count.
import * as fs from 'node:fs';
import * as os from 'node:os';

export const HELPER_THREAD_NICE_ENV = 'TSENVOY_HELPER_THREAD_NICE';
/** The default where the process may use exactly one CPU. */
const ONE_CPU_NICE = 19;
const TASKS = '/proc/self/task';

export interface HelperThreadsOutcome {
  readonly nice: number;
  /** Threads whose priority was lowered. */
  readonly lowered: number;
  /** Why nothing (or not everything) was lowered, or what was wrong with the setting. */
  readonly note?: string;
}

interface Plan {
  readonly nice: number;
  readonly tids: readonly number[];
  readonly note?: string;
}

let plan: Plan | undefined;
let outcome: HelperThreadsOutcome | undefined;

function wantedNice(env: NodeJS.ProcessEnv, cpus: number): { nice: number; note?: string } {
  const dflt = cpus === 1 ? ONE_CPU_NICE : 0;
  const raw = env[HELPER_THREAD_NICE_ENV];
  if (raw === undefined || raw === '') return { nice: dflt };
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0 && n <= 19) return { nice: n };
  return { nice: dflt, note: `${HELPER_THREAD_NICE_ENV}='${raw}' is not an integer from 0 to 19; using ${dflt} (0 leaves the helper threads alone, 1-19 lowers them)` };
}

/**
 * Notes Node's threads (every one but the calling, main one) and the value they are to get, as the
 * setting and the CPU count say; call before anything else starts a thread.
 */
export function noteHelperThreads(env: NodeJS.ProcessEnv = process.env, cpus = os.availableParallelism()): void {
  const wanted = wantedNice(env, cpus);
  // Never above the loop's own priority: a proxy started at nice 15 keeps its helpers at 15.
  const nice = wanted.nice > 0 ? Math.max(wanted.nice, os.getPriority()) : 0;
  let tids: number[] = [];
  let note = wanted.note;
  if (nice > 0) {
    try {
      tids = fs.readdirSync(TASKS).map(Number).filter((t) => t !== process.pid);
    } catch {
      note = [note, `${TASKS} is not readable (not Linux?)`].filter(Boolean).join('; ');
    }
  }
  plan = { nice, tids, note };
}

/** Lowers the threads noteHelperThreads found (once); undefined when they were not noted. */
export function lowerHelperThreads(): HelperThreadsOutcome | undefined {
  if (outcome !== undefined || plan === undefined) return outcome;
  let lowered = 0;
  let failed: string | undefined;
  for (const tid of plan.tids) {
    try {
      // On Linux PRIO_PROCESS with a thread id sets that thread's nice value alone.
      os.setPriority(tid, plan.nice);
      lowered++;
    } catch (e) {
      // A thread that ended meanwhile (ESRCH) needs nothing.
      if ((e as { info?: { code?: string } }).info?.code !== 'ESRCH') failed ??= `thread ${tid}: ${(e as Error).message}`;
    }
  }
  outcome = { nice: plan.nice, lowered, note: [plan.note, failed].filter(Boolean).join('; ') || undefined };
  return outcome;
}
