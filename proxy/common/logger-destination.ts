/**
 * Where log lines go: stderr, or the --log-path file. Writes are synchronous
 * and unbuffered so a crash never loses the lines before it; no worker thread,
 * no transport, so start-up stays cheap.
 */
import * as fs from 'node:fs';

export interface LogDestination {
  write(line: string): void;
  /** /reopen_logs: reopen the file after rotation (a no-op for stderr). */
  reopen(): void;
  close(): void;
}

export function stderrDestination(): LogDestination {
  return {
    write: (line) => void process.stderr.write(line),
    reopen: () => {},
    close: () => {},
  };
}

/** Appends to `path`; throws (with the path in the message) if it cannot be opened. */
export function fileDestination(path: string): LogDestination {
  let fd = open(path);
  return {
    write(line) {
      if (fd >= 0) fs.writeSync(fd, line);
    },
    reopen() {
      const next = open(path);
      if (fd >= 0) fs.closeSync(fd);
      fd = next;
    },
    close() {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    },
  };
}

function open(path: string): number {
  try {
    return fs.openSync(path, 'a');
  } catch (e) {
    throw new Error(`cannot open log file ${path}: ${(e as Error).message}`);
  }
}
