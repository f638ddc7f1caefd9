// Buffered access-log output shared per destination (Envoy's AccessLogManager): every logger that
// names the same path appends to one in-memory buffer, written out when it passes 64 KiB or when
// the flush interval (--file-flush-interval-msec, default 10 s) fires, and synchronously at exit.
import * as fs from 'node:fs';

const FLUSH_BYTES = 64 * 1024;

export class LogWriter {
  private chunks: string[] = [];
  private bytes = 0;
  private fd: number | undefined;
  private writing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly path: string,
    private readonly flushIntervalMs: number,
    fd?: number,
  ) {
    this.fd = fd;
  }

  write(line: string): void {
    this.chunks.push(line);
    this.bytes += line.length;
    if (this.bytes >= FLUSH_BYTES) this.flush();
    else this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  private open(): number {
    if (this.fd === undefined) this.fd = fs.openSync(this.path, 'a');
    return this.fd;
  }

  /** Starts an asynchronous write of everything buffered. */
  flush(): void {
    if (this.writing || this.chunks.length === 0) return;
    const data = Buffer.from(this.chunks.join(''));
    this.chunks = [];
    this.bytes = 0;
    let fd: number;
    try {
      fd = this.open();
    } catch (e) {
      process.emitWarning(`access log ${this.path}: ${(e as Error).message}`);
      return;
    }
    this.writing = true;
    fs.write(fd, data, 0, data.length, null, (err) => {
      this.writing = false;
      if (err) process.emitWarning(`access log ${this.path}: ${err.message}`);
      if (this.chunks.length > 0) {
        if (this.bytes >= FLUSH_BYTES) this.flush();
        else this.arm();
      }
    });
  }

  /** Writes everything buffered now (exit, tests). */
  flushSync(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.chunks.length === 0) return;
    const data = this.chunks.join('');
    this.chunks = [];
    this.bytes = 0;
    try {
      fs.writeSync(this.open(), data);
    } catch (e) {
      process.emitWarning(`access log ${this.path}: ${(e as Error).message}`);
    }
  }

  /** /reopen_logs: the next write opens the path again (log rotation). */
  reopen(): void {
    this.flushSync();
    if (this.fd !== undefined && this.fd > 2) fs.closeSync(this.fd);
    if (this.fd !== undefined && this.fd > 2) this.fd = undefined;
  }
}

export interface AccessLogManagerOptions {
  /** --file-flush-interval-msec; default 10000. */
  flushIntervalMs?: number;
}

export class AccessLogManager {
  readonly flushIntervalMs: number;
  private readonly writers = new Map<string, LogWriter>();

  constructor(opts: AccessLogManagerOptions = {}) {
    this.flushIntervalMs = opts.flushIntervalMs ?? 10000;
    process.once('exit', () => this.flushAllSync());
  }

  /** The shared writer for a file path; '/dev/stdout' and '/dev/stderr' write to fds 1 and 2. */
  writer(path: string): LogWriter {
    let w = this.writers.get(path);
    if (w === undefined) {
      const fd = path === '/dev/stdout' ? 1 : path === '/dev/stderr' ? 2 : undefined;
      w = new LogWriter(path, this.flushIntervalMs, fd);
      this.writers.set(path, w);
    }
    return w;
  }

  flushAllSync(): void {
    for (const w of this.writers.values()) w.flushSync();
  }

  reopenAll(): void {
    for (const w of this.writers.values()) w.reopen();
  }
}
