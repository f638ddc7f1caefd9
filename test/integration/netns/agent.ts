// Runs inside one of the test's network namespaces (as whatever uid the test chose) and does all the
// test's I/O there: TCP servers that answer each request with who they are and who called them
// (logging every accepted connection on stdout), and a client driven by JSON lines on stdin. One
// long-lived process per namespace keeps node start-up out of every check, and a client connection
// carries the agent's uid, which is what the iptables owner match looks at.
// Usage: node agent.js '{"name":"app","listen":[{"host":"10.0.0.1","port":9080}]}'
import * as http from 'node:http';
import * as net from 'node:net';
import * as readline from 'node:readline';
import type { AgentCommand, AgentConfig, AgentReply, ServedRequest } from './agent-protocol';

const config = JSON.parse(process.argv[2] ?? '{}') as AgentConfig;

function emit(obj: object): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Answers once a whole request is in: an HTTP/1.1 head (ends with a blank line) or one text line. */
function serve(socket: net.Socket): void {
  let buf = '';
  let answered = false;
  socket.setEncoding('latin1');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    if (answered) return;
    buf += chunk;
    const isHttp = /^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/.test(buf);
    if (isHttp ? !buf.includes('\r\n\r\n') : !buf.includes('\n')) return;
    answered = true;
    const served: ServedRequest = {
      server: config.name,
      port: socket.localPort ?? 0,
      local: socket.localAddress ?? '',
      remote: socket.remoteAddress ?? '',
      request: buf.split(/\r?\n/, 1)[0],
    };
    emit({ event: 'served', ...served });
    const body = JSON.stringify(served);
    socket.end(isHttp ? `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}` : body + '\n');
  });
}

/** A raw TCP exchange: connect, send, read until the peer closes (or the deadline). */
function exchange(cmd: Extract<AgentCommand, { op: 'exchange' }>): Promise<AgentReply> {
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const s = net.connect({ host: cmd.host, port: cmd.port });
    const done = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      resolve(error ? { id: cmd.id, ok: false, error, data } : { id: cmd.id, ok: true, data });
    };
    const timer = setTimeout(() => done(`no close within ${cmd.timeoutMs} ms`), cmd.timeoutMs);
    s.setEncoding('latin1');
    s.on('connect', () => s.write(cmd.payload));
    s.on('data', (d: string) => (data += d));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    s.on('close', () => done());
  });
}

/** A GET with node's HTTP client (the admin endpoint answers chunked). */
function httpGet(cmd: Extract<AgentCommand, { op: 'http-get' }>): Promise<AgentReply> {
  return new Promise((resolve) => {
    const req = http.get({ host: cmd.host, port: cmd.port, path: cmd.path, agent: false, timeout: cmd.timeoutMs }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ id: cmd.id, ok: true, status: res.statusCode, data }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${cmd.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ id: cmd.id, ok: false, error: e.code ?? e.message, data: '' }));
  });
}

async function listenAll(): Promise<void> {
  for (const l of config.listen) {
    const server = net.createServer(serve);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.host, () => resolve());
    });
  }
}

listenAll().then(
  () => emit({ event: 'ready', pid: process.pid, uid: process.getuid?.() }),
  (e: Error) => {
    emit({ event: 'fatal', error: e.message });
    process.exit(1);
  },
);

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as AgentCommand;
  const run = cmd.op === 'exchange' ? exchange(cmd) : httpGet(cmd);
  void run.then((reply) => emit({ event: 'reply', ...reply }));
});
// The test closing our stdin (or dying) ends the agent.
process.stdin.on('end', () => process.exit(0));
