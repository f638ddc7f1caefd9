// The nice value of each thread of a process, read from /proc/<pid>/task/<tid>/stat (Linux).
import * as fs from 'node:fs';

/** nice of each thread of `pid`, by thread id. */
export function niceByThread(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    out.set(Number(t), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])); // field 19 of stat(5)
  }
  return out;
}
