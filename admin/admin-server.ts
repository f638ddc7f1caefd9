/**
 * admin/ — Envoy's admin API (the `admin` bootstrap listener, 127.0.0.1:15000 in Istio).
 *
 * This folder renders Envoy's formats and rules; the proxy answers through {@link AdminTarget}
 * and nothing here imports proxy internals. This file is the HTTP edge: bind (TCP or unix pipe),
 * read the request, dispatch by exact path, add Envoy's headers, and write the body in pieces so
 * a large dump never holds the event loop for long. Bad input is a 4xx, never a throw.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { addressText } from './address-format';
import type { AdminContentType, AdminResponse } from './admin-handler';
import type { AdminAddress, AdminTarget } from './admin-target';
import { HandlerTable } from './handler-table';
import { QueryParams } from './query-params';

/** Where to bind: an IP and port (0 picks a free one), or a unix socket path (`@name`: abstract). */
export type AdminListenOptions =
  | { readonly kind: 'socket'; readonly host: string; readonly port: number }
  | { readonly kind: 'pipe'; readonly path: string; /** chmod of the socket file, e.g. 0o600. */ readonly mode?: number };

export interface AdminServerOptions {
  /** Largest request body read (form-encoded POST parameters); larger answers 413. */
  readonly maxBodyBytes?: number;
  /** Bytes gathered before each socket write of a streamed body. */
  readonly chunkBytes?: number;
}

const CONTENT_TYPES: Readonly<Record<AdminContentType, string>> = {
  text: 'text/plain; charset=UTF-8',
  json: 'application/json',
  html: 'text/html; charset=UTF-8',
};

const FORM_URLENCODED = 'application/x-www-form-urlencoded';

export class AdminServer {
  private readonly table: HandlerTable;
  private readonly server: http.Server;
  private readonly maxBodyBytes: number;
  private readonly chunkBytes: number;
  private bound: AdminAddress | undefined;

  constructor(target: AdminTarget, opts: AdminServerOptions = {}) {
    this.table = new HandlerTable(target);
    this.maxBodyBytes = opts.maxBodyBytes ?? 1 << 20;
    this.chunkBytes = opts.chunkBytes ?? 64 * 1024;
    this.server = http.createServer((req, res) => this.onRequest(req, res));
    // A malformed request is answered 400, not an unhandled error.
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      else socket.destroy();
    });
    // Errors after binding (e.g. accept failing under EMFILE) must not crash the proxy; bind
    // failures still reject listen() through the listener bind() adds.
    this.server.on('error', () => undefined);
  }

  /** The /help text (for the CLI or tests). */
  helpText(): string {
    return this.table.help();
  }

  /** Binds and resolves with the bound address (the real port when 0 was asked for). */
  async listen(opts: AdminListenOptions): Promise<AdminAddress> {
    this.bound = await this.bindTo(opts);
    return this.bound;
  }

  /** The bound address as Envoy logs it (`127.0.0.1:15000`, `[::1]:15000`, a pipe path). */
  address(): string | undefined {
    return this.bound && addressText(this.bound);
  }

  private async bindTo(opts: AdminListenOptions): Promise<AdminAddress> {
    if (opts.kind === 'socket') {
      await this.bind((done) => this.server.listen(opts.port, opts.host, done));
      const info = this.server.address() as AddressInfo;
      return { kind: 'socket', address: info.address, port: info.port };
    }
    // Envoy spells an abstract socket `@name`; Node wants a leading NUL.
    const abstract = opts.path.startsWith('@');
    const where = abstract ? `\0${opts.path.slice(1)}` : opts.path;
    try {
      await this.bind((done) => this.server.listen(where, done));
    } catch (err) {
      // A socket file left by a process that died is replaced; a live one is not stolen.
      if (abstract || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !(await isStaleSocket(opts.path))) {
        throw err;
      }
      fs.unlinkSync(opts.path);
      await this.bind((done) => this.server.listen(where, done));
    }
    if (opts.mode !== undefined && !abstract) fs.chmodSync(opts.path, opts.mode);
    return opts.mode === undefined ? { kind: 'pipe', path: opts.path } : { kind: 'pipe', path: opts.path, mode: opts.mode };
  }

  private bind(start: (done: () => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      start(() => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** Stops accepting, ends open connections, removes the pipe file. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) {
        resolve();
        return;
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > this.maxBodyBytes) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        this.send(res, { status: 413, contentType: 'text', body: 'request body too large\n' });
        return;
      }
      let response: AdminResponse;
      try {
        response = this.table.dispatch(this.parse(req, Buffer.concat(chunks)));
      } catch (err) {
        response = { status: 500, contentType: 'text', body: `admin handler failed: ${(err as Error)?.message ?? err}\n` };
      }
      this.send(res, response);
    });
  }

  private parse(req: http.IncomingMessage, body: Buffer): { method: string; path: string; params: QueryParams } {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let params = QueryParams.fromUrl(url);
    // Envoy's AdminFilter::queryParams: the URL's parameters, else a form-encoded body's.
    if (params.size === 0 && body.length > 0 && mediaType(req.headers['content-type']) === FORM_URLENCODED) {
      params = QueryParams.parse(body.toString('utf8'), true);
    }
    return { method: req.method ?? 'GET', path, params };
  }

  private send(res: http.ServerResponse, r: AdminResponse): void {
    res.statusCode = r.status;
    res.setHeader('content-type', CONTENT_TYPES[r.contentType ?? 'text']);
    res.setHeader('cache-control', 'no-cache, max-age=0');
    res.setHeader('x-content-type-options', 'nosniff');
    if (r.afterWrite) {
      const after = r.afterWrite;
      res.once('finish', () => setImmediate(after));
    }
    if (typeof r.body === 'string' && r.body.length <= this.chunkBytes) {
      res.setHeader('content-length', Buffer.byteLength(r.body));
      res.end(r.body);
      return;
    }
    if (isAsyncIterable(r.body)) {
      void this.streamAsync(res, r.body);
      return;
    }
    const pieces = typeof r.body === 'string' ? slices(r.body, this.chunkBytes) : r.body;
    void this.stream(res, pieces);
  }

  /** Writes `pieces` in batches, yielding to the event loop between them and honouring drain. */
  private async stream(res: http.ServerResponse, pieces: Iterable<string>): Promise<void> {
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    try {
      let batch = '';
      for (const p of pieces) {
        if (gone) return;
        batch += p;
        if (batch.length < this.chunkBytes) continue;
        const ok = res.write(batch);
        batch = '';
        if (!ok) await drained(res);
        // 'drain' can come on the next tick (a write that completed at once), so also give the
        // event loop a turn: timers and other connections run between every two chunks.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (!gone) res.end(batch);
    } catch (err) {
      // The body generator failed half-way: the status line is gone, so cut the response short.
      res.destroy(err as Error);
    }
  }

  /**
   * Writes a body produced asynchronously (the producer yields to the event loop itself) in
   * batches of chunkBytes, as it comes. A body that ends within the first batch goes out whole
   * with a content-length, as a short string does. While the socket is full the producer waits;
   * once the client is gone it is stopped: leaving `for await` calls its return(), so a render
   * that hands over a (maybe empty) piece every slice does no more work for nobody.
   */
  private async streamAsync(res: http.ServerResponse, body: AsyncIterable<string>): Promise<void> {
    let gone = false;
    res.once('close', () => {
      gone = true;
    });
    let batch = '';
    let started = false;
    try {
      for await (const piece of body) {
        if (gone) return;
        batch += piece;
        if (batch.length <= this.chunkBytes) continue;
        started = true;
        const ok = res.write(batch);
        batch = '';
        if (!ok) await drained(res);
        if (gone) return;
      }
      if (gone) return;
      if (!started) res.setHeader('content-length', Buffer.byteLength(batch));
      res.end(batch);
    } catch (err) {
      if (gone) return;
      // Nothing sent yet: the failure can still be a 500, as a handler's throw is.
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', CONTENT_TYPES.text);
        res.end(`admin handler failed: ${(err as Error)?.message ?? err}\n`);
      } else res.destroy(err as Error);
    }
  }
}

function isAsyncIterable(body: AdminResponse['body']): body is AsyncIterable<string> {
  return typeof (body as Partial<AsyncIterable<string>>)[Symbol.asyncIterator] === 'function';
}

function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const go = () => {
      res.off('drain', go);
      res.off('close', go);
      resolve();
    };
    res.on('drain', go);
    res.on('close', go);
  });
}

function* slices(s: string, size: number): Generator<string> {
  for (let i = 0; i < s.length; i += size) yield s.slice(i, i + size);
}

function mediaType(h: string | undefined): string {
  return (h ?? '').split(';')[0]!.trim().toLowerCase();
}

/** True when `path` is a socket file nobody accepts on (connect is refused). */
function isStaleSocket(path: string): Promise<boolean> {
  try {
    if (!fs.lstatSync(path).isSocket()) return Promise.resolve(false);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const c = net.connect(path);
    c.once('connect', () => {
      c.destroy();
      resolve(false);
    });
    c.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}
