// The event loop is tsenvoy's one serving thread. Node's other threads exist before tsenvoy's first
// line runs: V8's platform workers (concurrent marking, parallel scavenges, background compiles),
// the platform's delayed-task thread and the SIGUSR1 watcher. A process confined to one CPU (its
// cpuset or affinity) runs them on the loop's core, and the kernel hands them slices of several ms
// in the middle of requests: while a 10,000-cluster push is applied, stalls of 20-30 ms that set
// the requests' p99 (bench xds-push). TSENVOY_HELPER_THREAD_NICE=<1-19> puts them at that nice
// value once the server is LIVE: at 19 they run when the loop waits for I/O, V8 does the GC work
// they leave in its own short steps on the loop, and the push's p99 drops to +4-12 ms. It is not
// the default, as the price is the compiler's work too: until the loop idles, optimising compiles
// wait, so a big push takes 10-60% longer and a freshly started one-CPU proxy saturated at once
// served a third of its warm throughput for its first seconds (README, tuning).
// Start-up keeps the helpers' help (no traffic to protect before LIVE). The launcher notes which
// threads are Node's before any other starts, so threads the loop starts later (libuv's pool, for
// DNS lookups and files) keep its priority; the kernel lets an unprivileged process lower a
// thread's priority but not raise it again, so it is done once.
// How many helpers V8 has is set when node starts (--v8-pool-size): bin/tsenvoy gives a one-CPU
// process one; v8PoolSize reads what it got, and main logs it once LIVE on one CPU.
import * as fs from 'node:fs';
import * as os from 'node:os';

export const HELPER_THREAD_NICE_ENV = 'TSENVOY_HELPER_THREAD_NICE';
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

function wantedNice(env: NodeJS.ProcessEnv): { nice: number; note?: string } {
  const raw = env[HELPER_THREAD_NICE_ENV];
  if (raw === undefined || raw === '') return { nice: 0 };
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 0 && n <= 19) return { nice: n };
  return { nice: 0, note: `${HELPER_THREAD_NICE_ENV}='${raw}' is not an integer from 0 to 19; the helper threads are left alone (1-19 lowers them once LIVE)` };
}

/**
 * Notes Node's threads (every one but the calling, main one) and the value the setting gives them;
 * call before anything else starts a thread.
 */
export function noteHelperThreads(env: NodeJS.ProcessEnv = process.env): void {
  const wanted = wantedNice(env);
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

/**
 * The size of V8's helper thread pool as node was started (--v8-pool-size on its command line or
 * in NODE_OPTIONS; the command line wins), undefined for Node's default of 4. Only node's start can
 * set it: bin/tsenvoy gives 1 to a process confined to one CPU.
 */
export function v8PoolSize(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const find = (args: readonly string[]): number | undefined => {
    let n: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const m = /^--v8-pool-size(?:=(.*))?$/.exec(args[i]);
      if (m) n = Number(m[1] ?? args[++i]);
    }
    return n !== undefined && Number.isInteger(n) && n >= 0 ? n : undefined;
  };
  return find(execArgv) ?? find((env.NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean));
}

/** What to log about V8's pool on a process confined to one CPU (undefined with more CPUs). */
export function onePoolNote(cpus: number = os.availableParallelism(), pool: number | undefined = v8PoolSize()): string | undefined {
  if (cpus !== 1) return undefined;
  if (pool !== undefined) return `one CPU: V8's helper thread pool has ${pool === 0 ? "node's chosen number of" : pool} thread(s) (--v8-pool-size=${pool})`;
  return "one CPU: V8's helper thread pool has Node's default 4 threads, which take turns with the event loop during big xDS pushes; start tsenvoy with bin/tsenvoy (npx tsenvoy, npm start), which gives such a process --v8-pool-size=1, or set NODE_OPTIONS=--v8-pool-size=1 (README, tuning)";
}
