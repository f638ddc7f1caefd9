// Scenario "micro": runs every compiled bench/micro/*.js in turn (each prints its own result and
// exits), with a time limit each (BENCH_MICRO_TIMEOUT seconds, default 120), and echoes the output.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compiledRoot } from '../lib/paths';
import { startProcess } from '../lib/procs';
import { progress } from '../lib/report';

export async function runMicroScenario(): Promise<void> {
  const dir = path.join(compiledRoot, 'bench', 'micro');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.js')).sort() : [];
  const limit = Number(process.env.BENCH_MICRO_TIMEOUT) || 120;
  if (!files.length) return progress('micro', `no micro benchmarks in ${dir}`);
  const failed: string[] = [];
  for (const f of files) {
    progress('micro', `${f} (limit ${limit} s)`);
    const p = startProcess(f, process.execPath, [path.join(dir, f)], { onOutput: (t) => process.stdout.write(t) });
    let timedOut = false;
    const guard = setTimeout(() => {
      timedOut = true;
      void p.stop();
    }, limit * 1000);
    const status = await p.exited;
    clearTimeout(guard);
    if (status !== 0) failed.push(`${f} (${timedOut ? `timed out after ${limit} s` : `exit ${status}`})`);
  }
  progress('micro', failed.length ? `done; failed: ${failed.join(', ')}` : `done: ${files.length} benchmark(s)`);
}
