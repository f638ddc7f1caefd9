// Every process the bench starts goes through here, so every one is stopped: on success, on error,
// on Ctrl-C. Each runs in its own process group (nginx forks a worker) and is killed as a group.
import { ChildProcess, spawn } from 'node:child_process';
import { cpuPlan } from './cores';

export interface Proc {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name) when the process has gone. */
  readonly exited: Promise<number | string>;
  /** Set once the process has exited. */
  exitStatus: number | string | undefined;
  /** The last few KB of stdout+stderr (see keepBytes), for error messages and parsing. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Pin to this core with taskset (ignored when the machine has one core or no taskset). */
  readonly cpu?: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How much output to keep (default 4 KB): iperf3 -J needs all of its JSON. */
  readonly keepBytes?: number;
  /** Also hand output on as it arrives (the micro scenario echoes benchmarks live). */
  readonly onOutput?: (text: string) => void;
}

const TAIL_BYTES = 4096;
const live = new Set<Proc>();
let handlersInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try { process.kill(pid, signal); } catch { /* already gone */ }
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => { for (const p of live) killGroup(p.pid, 'SIGKILL'); });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: caught ${sig}, stopping ${live.size} process(es)\n`);
      for (const p of live) killGroup(p.pid, 'SIGKILL');
      process.exit(130);
    });
  }
}

export function startProcess(name: string, cmd: string, args: readonly string[], opts: StartOptions = {}): Proc {
  installExitHandlers();
  const plan = cpuPlan();
  const pinned = opts.cpu !== undefined && plan.taskset !== undefined;
  const file = pinned ? plan.taskset! : cmd;
  const argv = pinned ? ['-c', String(opts.cpu), cmd, ...args] : [...args];
  const child: ChildProcess = spawn(file, argv, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-(opts.keepBytes ?? TAIL_BYTES));
    opts.onOutput?.(text);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const proc: Proc = {
    name,
    pid: child.pid ?? -1,
    exitStatus: undefined,
    exited: new Promise((resolve) => {
      child.once('error', (e) => { keep(Buffer.from(`spawn ${cmd}: ${e.message}\n`)); });
      child.once('close', (code, signal) => {
        proc.exitStatus = code ?? signal ?? 'unknown';
        live.delete(proc);
        resolve(proc.exitStatus);
      });
    }),
    output: () => tail,
    stop: () => stopProcess(proc),
  };
  if (child.pid !== undefined) live.add(proc);
  else proc.exitStatus = 'spawn failed';
  return proc;
}

/** SIGTERM, then SIGKILL after a grace period; resolves once the process is gone. */
export async function stopProcess(p: Proc, graceMs = 2000): Promise<void> {
  if (p.exitStatus !== undefined) return;
  killGroup(p.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(p.pid, 'SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
  // The group may hold children that outlive the leader (nginx workers): make sure they are gone.
  killGroup(p.pid, 'SIGKILL');
}

export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => stopProcess(p)));
}

/**
 * One line saying why a process failed: the last line that names an error (a Node crash ends with
 * a stack and "Node.js v20..."), else the last line.
 */
export function lastLine(p: Proc): string {
  const lines = p.output().split('\n').map((l) => l.trim()).filter((l) => l && !/^Node\.js v\d/.test(l));
  const named = lines.filter((l) => /error|fatal|critical|cannot|failed|refused|invalid/i.test(l) && !/^at /.test(l));
  const pick = named.length ? named[named.length - 1] : lines[lines.length - 1];
  return pick ? pick.slice(0, 240) : '(no output)';
}
