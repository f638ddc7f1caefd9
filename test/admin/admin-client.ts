// Starts the real AdminServer on 127.0.0.1:0 and talks to it with node's http client.
import * as http from 'node:http';
import { AdminServer } from '../../admin/admin-server';
import { FakeTarget } from './fake-target';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Harness {
  target: FakeTarget;
  server: AdminServer;
  port: number;
  get(path: string): Promise<Reply>;
  post(path: string, body?: string, contentType?: string): Promise<Reply>;
  request(method: string, path: string, body?: string, headers?: http.OutgoingHttpHeaders): Promise<Reply>;
  close(): Promise<void>;
}

export async function startAdmin(target = new FakeTarget()): Promise<Harness> {
  const server = new AdminServer(target);
  const bound = await server.listen({ kind: 'socket', host: '127.0.0.1', port: 0 });
  if (bound.kind !== 'socket') throw new Error('expected a socket');
  const port = bound.port;
  const request = (method: string, path: string, body?: string, headers: http.OutgoingHttpHeaders = {}) =>
    send({ host: '127.0.0.1', port, method, path, headers, agent: false }, body);
  return {
    target,
    server,
    port,
    request,
    get: (path) => request('GET', path),
    post: (path, body, contentType) => request('POST', path, body, contentType ? { 'content-type': contentType } : {}),
    close: () => server.close(),
  };
}

export function send(opts: http.RequestOptions, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
