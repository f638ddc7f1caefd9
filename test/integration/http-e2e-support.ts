// Support for the HTTP end-to-end tests: scripted upstream servers (real node:http servers whose
// answers a request's headers choose), a real tsenvoy process started from a static bootstrap,
// and admin readers that return /stats, /stats/prometheus and /clusters as maps for deltas.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { httpRequest, ProxyProcess, startProxy, tempDir } from '../support/proxy-process';

export interface Seen {
  readonly up: string;
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A real upstream. The nth request carrying `x-test-id: K` does the nth action of its `x-script`
 * header (comma list; the last action repeats): a status code, `reset` (close the socket before
 * answering), `delay=MS`, `ratelimited` (503 + x-envoy-ratelimited), `retryhdr` (200 +
 * x-upstream-retry: true), `grpc14` (200 + grpc-status: 14), `garbage` (an invalid status line).
 * Without a script the answer is `status` (mutable) with a JSON echo of what arrived.
 */
export class ScriptedUpstream {
  readonly seen: Seen[] = [];
  private readonly hits = new Map<string, number>();
  status = 200;
  health = 200;
  healthChecks = 0;
  port = 0;
  connections = 0;
  readonly server: http.Server;

  constructor(readonly name: string) {
    this.server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 60000;
    this.server.on('connection', () => this.connections++);
    this.server.on('upgrade', (req, socket: net.Socket) => {
      this.seen.push({ up: this.name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(`${this.name}:${d.toString()}`));
      socket.on('end', () => socket.end());
      socket.on('error', () => {});
    });
    // CONNECT proxied as HTTP/1.1 CONNECT: answer 200 and echo through the tunnel.
    this.server.on('connect', (req, socket: net.Socket, head: Buffer) => {
      this.seen.push({ up: this.name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) socket.write(`${this.name}:${head.toString()}`);
      socket.on('data', (d: Buffer) => socket.write(`${this.name}:${d.toString()}`));
      socket.on('end', () => socket.end());
      socket.on('error', () => {});
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }

  /** Requests that carried `x-test-id: id`, in arrival order. */
  attempts(id: string): Seen[] {
    return this.seen.filter((s) => s.headers['x-test-id'] === id);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url === '/healthz') {
      this.healthChecks++;
      res.statusCode = this.health;
      res.end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      this.seen.push({ up: this.name, method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const id = String(req.headers['x-test-id'] ?? '');
      const n = this.hits.get(id) ?? 0;
      this.hits.set(id, n + 1);
      const script = req.headers['x-script'];
      const steps = typeof script === 'string' ? script.split(',') : [];
      const action = steps.length > 0 ? steps[Math.min(n, steps.length - 1)] : String(this.status);
      this.act(action, req, res, body);
    });
  }

  private act(action: string, req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    res.setHeader('x-up', this.name);
    res.setHeader('x-up-secret', 'hidden');
    const server = req.headers['x-resp-server'];
    if (typeof server === 'string') res.setHeader('server', server);
    if (action === 'reset') return void req.socket.destroy();
    if (action === 'garbage') {
      req.socket.end('HTTP/1.1 abc\r\n\r\n');
      return;
    }
    if (action.startsWith('delay=')) {
      const t = setTimeout(() => res.end(`${this.name} late`), Number(action.slice(6)));
      res.on('close', () => clearTimeout(t));
      return;
    }
    if (action === 'ratelimited') {
      res.statusCode = 503;
      res.setHeader('x-envoy-ratelimited', 'true');
      return void res.end('ratelimited');
    }
    if (action === 'retryhdr') {
      res.setHeader('x-upstream-retry', 'true');
      return void res.end('asks for a retry');
    }
    if (action === 'grpc14') {
      res.setHeader('content-type', 'application/grpc');
      res.setHeader('grpc-status', '14');
      return void res.end();
    }
    res.statusCode = Number(action) || 200;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ up: this.name, url: req.url, headers: req.headers, body }));
  }
}

export async function upstreams<K extends string>(names: readonly K[]): Promise<Record<K, ScriptedUpstream>> {
  const out = {} as Record<K, ScriptedUpstream>;
  for (const n of names) out[n] = await new ScriptedUpstream(n).listen();
  return out;
}

/** A port nothing listens on. */
export { freePort as deadPort } from '../support/ports';

// ---- bootstrap pieces ----

export const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
export const FAULT = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';
const FILE_LOG = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export function endpoint(port: number, host = '127.0.0.1'): object {
  return { endpoint: { address: { socket_address: { address: host, port_value: port } } } };
}

export function staticCluster(name: string, ports: number[], extra: object = {}): object {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '0.5s',
    load_assignment: { cluster_name: name, endpoints: ports.length ? [{ lb_endpoints: ports.map((p) => endpoint(p)) }] : [] },
    ...extra,
  };
}

/** The access logs every test reads: Envoy's default format, a custom text format and JSON. */
export interface LogFiles {
  readonly dir: string;
  readonly envoyDefault: string;
  readonly custom: string;
  readonly json: string;
}

export const CUSTOM_FORMAT = '%REQ(X-TEST-ID)% %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %UPSTREAM_CLUSTER% %UPSTREAM_REQUEST_ATTEMPT_COUNT%\n';

export function logFiles(): LogFiles {
  const dir = tempDir('tsenvoy-e2e-logs-');
  return { dir, envoyDefault: path.join(dir, 'default.log'), custom: path.join(dir, 'custom.log'), json: path.join(dir, 'json.log') };
}

export function accessLogs(f: LogFiles): object[] {
  return [
    { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: f.envoyDefault } },
    { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE_LOG, path: f.custom, log_format: { text_format_source: { inline_string: CUSTOM_FORMAT } } } },
    {
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': FILE_LOG,
        path: f.json,
        log_format: { json_format: { id: '%REQ(X-TEST-ID)%', code: '%RESPONSE_CODE%', flags: '%RESPONSE_FLAGS%', host: '%UPSTREAM_HOST%', method: '%REQ(:METHOD)%', path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%' } },
      },
    },
  ];
}

export function bootstrap(hcm: object, clusters: object[]): object {
  return bootstrapListeners({ main: hcm }, clusters);
}

/** One listener per entry (name -> HCM config), each on 127.0.0.1:0. */
export function bootstrapListeners(hcms: Record<string, object>, clusters: object[]): object {
  return {
    node: { id: 'http-e2e', cluster: 'tests' },
    // Histograms reach /stats and /stats/prometheus at each flush, as in Envoy.
    stats_flush_interval: '0.1s',
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: Object.entries(hcms).map(([name, hcm]) => ({
        name,
        address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
        filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, ...hcm } }] }],
      })),
      clusters,
    },
  };
}

/** A running tsenvoy with its listener address and admin readers. */
export class E2eProxy {
  private constructor(
    readonly process: ProxyProcess,
    /** host:port of each listener by name. */
    readonly listeners: ReadonlyMap<string, string>,
  ) {}

  /** The first listener's host:port. */
  get listener(): string {
    return [...this.listeners.values()][0];
  }

  static async start(bs: object): Promise<E2eProxy> {
    const p = await startProxy(bs, ['--file-flush-interval-msec', '20']);
    // The admin answers first; listeners start once clusters initialised (first health checks).
    await until(async () => (await httpRequest(p.admin, 'GET', '/ready')).body === 'LIVE\n', 10000, 'tsenvoy to be LIVE').catch(async (e) => {
      await p.stop();
      throw new Error(`${(e as Error).message}\n${p.output()}`);
    });
    const statuses = JSON.parse((await httpRequest(p.admin, 'GET', '/listeners?format=json')).body).listener_statuses as {
      name: string;
      local_address: { socket_address: { port_value: number } };
    }[];
    const order = ((bs as { static_resources: { listeners: { name: string }[] } }).static_resources.listeners ?? []).map((l) => l.name);
    const byName = new Map(statuses.map((l) => [l.name, `127.0.0.1:${l.local_address.socket_address.port_value}`]));
    return new E2eProxy(p, new Map(order.map((n) => [n, byName.get(n)!])));
  }

  get port(): number {
    return Number(this.listener.split(':')[1]);
  }

  portOf(name: string): number {
    return Number(this.listeners.get(name)!.split(':')[1]);
  }

  async admin(pathAndQuery: string): Promise<string> {
    const r = await httpRequest(this.process.admin, 'GET', pathAndQuery);
    if (r.status !== 200) throw new Error(`admin ${pathAndQuery}: ${r.status} ${r.body}`);
    return r.body;
  }

  /** /stats counters and gauges (histogram lines left out). */
  async stats(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const line of (await this.admin('/stats')).split('\n')) {
      const i = line.lastIndexOf(': ');
      if (i > 0 && /^-?\d+$/.test(line.slice(i + 2))) m.set(line.slice(0, i), Number(line.slice(i + 2)));
    }
    return m;
  }

  /** /stats/prometheus samples keyed by `name{labels}`. */
  async prometheus(): Promise<Map<string, number>> {
    const m = new Map<string, number>();
    for (const line of (await this.admin('/stats/prometheus')).split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      m.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return m;
  }

  /** /clusters text as `cluster::host::stat` -> value. */
  async clusters(): Promise<Map<string, string>> {
    const m = new Map<string, string>();
    for (const line of (await this.admin('/clusters')).split('\n')) {
      const i = line.lastIndexOf('::');
      if (i > 0) m.set(line.slice(0, i), line.slice(i + 2));
    }
    return m;
  }

  stop(): Promise<number | null> {
    return this.process.stop();
  }
}

/** Counter changes between two /stats snapshots (absent counts as 0). */
export function delta(before: Map<string, number>, after: Map<string, number>, name: string): number {
  return (after.get(name) ?? 0) - (before.get(name) ?? 0);
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request from a real node:http client; `x-test-id` marks it for the upstream and the logs. */
export function send(hostPort: string, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent; timeoutMs?: number } = {}): Promise<Reply> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), method: opts.method ?? 'GET', path: p, headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10000, () => req.destroy(new Error(`${p} timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Raw bytes in, everything until the proxy closes (or `untilMs`) out. */
export { rawExchange as raw } from '../proxy/http/harness';

export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The access-log line (of `file`) whose first field is `id`, waiting for the flush. */
export async function logLine(file: string, match: (line: string) => boolean, what: string): Promise<string> {
  let found = '';
  await until(
    () => {
      if (!fs.existsSync(file)) return false;
      found = fs.readFileSync(file, 'utf8').split('\n').find(match) ?? '';
      return found !== '';
    },
    3000,
    `access log line ${what} in ${file}`,
  );
  return found;
}

/** The custom-format line of test id `id`, split into its fields. */
export async function customLog(f: LogFiles, id: string): Promise<{ code: string; flags: string; details: string; cluster: string; attempts: string }> {
  const line = await logLine(f.custom, (l) => l.startsWith(`${id} `), id);
  const [, code, flags, details, cluster, attempts] = line.split(' ');
  return { code, flags, details, cluster, attempts };
}
