// The probes behind active health checks. HTTP: one request per interval on node:http, kept
// alive between checks unless reuse_connection is false; the status must be in
// expected_statuses, `x-envoy-degraded` marks the host degraded, and
// `x-envoy-immediate-health-check-fail` fails and excludes it at once. TCP: connect, write the
// `send` bytes, and pass once every `receive` block has arrived in order (connect only when
// both are empty). Each probe reports one outcome per start(); the session owns the timeout.
import * as http from 'node:http';
import * as net from 'node:net';
import type { HealthCheckKind, StatusRange } from './health-check-config';
import type { HostImpl } from './host';

export const enum ProbeOutcome {
  Healthy,
  Degraded,
  Unhealthy,
  Retriable,
  NetworkFailure,
  ImmediateFail,
}

export interface ProbeOwner {
  readonly target: HostImpl;
  readonly hostHeader: string;
  readonly sourceAddress: { readonly ip: string; readonly port: number } | undefined;
  onProbeResult(outcome: ProbeOutcome): void;
}

export interface Probe {
  start(): void;
  /** The check timed out: drop what is in flight. */
  abort(): void;
  close(): void;
}

function inRanges(code: number, ranges: readonly StatusRange[]): boolean {
  for (const r of ranges) if (code >= r.start && code < r.end) return true;
  return false;
}

function connectTarget(owner: ProbeOwner): { host?: string; port?: number; path?: string; localAddress?: string } {
  const h = owner.target;
  const a = h.address;
  if (a.kind === 'pipe') return { path: a.path };
  const port = h.hcPort > 0 ? h.hcPort : a.port;
  const local = owner.sourceAddress?.ip;
  return local !== undefined ? { host: a.ip, port, localAddress: local } : { host: a.ip, port };
}

class HttpProbe implements Probe {
  private agent: http.Agent;
  private req: http.ClientRequest | undefined;
  private generation = 0;

  constructor(
    private readonly cfg: Extract<HealthCheckKind, { kind: 'http' }>,
    private readonly owner: ProbeOwner,
    private readonly reuse: boolean,
  ) {
    this.agent = new http.Agent({ keepAlive: reuse, maxSockets: 1 });
  }

  start(): void {
    const gen = ++this.generation;
    const c = this.cfg;
    const headers: Record<string, string | string[]> = { host: this.owner.hostHeader, 'user-agent': 'Envoy/HC' };
    for (const [k, v, append] of c.headersToAdd) {
      const prev = headers[k];
      if (prev !== undefined && append) headers[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
      else headers[k] = v;
    }
    for (const k of c.headersToRemove) if (k !== 'host') delete headers[k];
    if (!this.reuse) headers.connection = 'close';
    const t = connectTarget(this.owner);
    const opts: http.RequestOptions = {
      agent: this.agent,
      method: c.method,
      path: c.path,
      headers,
      setHost: false,
      ...(t.path !== undefined ? { socketPath: t.path } : { host: t.host, port: t.port, localAddress: t.localAddress }),
    };
    let req: http.ClientRequest;
    try {
      req = http.request(opts);
    } catch {
      this.owner.onProbeResult(ProbeOutcome.NetworkFailure);
      return;
    }
    this.req = req;
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        if (gen !== this.generation) return;
        this.req = undefined;
        const code = res.statusCode ?? 0;
        let outcome: ProbeOutcome;
        if (res.headers['x-envoy-immediate-health-check-fail'] !== undefined) outcome = ProbeOutcome.ImmediateFail;
        else if (!inRanges(code, c.expected)) outcome = inRanges(code, c.retriable) ? ProbeOutcome.Retriable : ProbeOutcome.Unhealthy;
        else outcome = res.headers['x-envoy-degraded'] !== undefined ? ProbeOutcome.Degraded : ProbeOutcome.Healthy;
        this.owner.onProbeResult(outcome);
      });
      res.on('error', () => this.fail(gen));
    });
    req.on('error', () => this.fail(gen));
    req.end();
  }

  private fail(gen: number): void {
    if (gen !== this.generation) return;
    this.req = undefined;
    this.owner.onProbeResult(ProbeOutcome.NetworkFailure);
  }

  abort(): void {
    this.generation++;
    const r = this.req;
    this.req = undefined;
    r?.destroy();
  }

  close(): void {
    this.abort();
    this.agent.destroy();
  }
}

class TcpProbe implements Probe {
  private socket: net.Socket | undefined;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private generation = 0;
  private inFlight = false;

  constructor(
    private readonly cfg: Extract<HealthCheckKind, { kind: 'tcp' }>,
    private readonly owner: ProbeOwner,
    private readonly reuse: boolean,
  ) {}

  start(): void {
    const gen = ++this.generation;
    this.inFlight = true;
    this.received = [];
    this.receivedBytes = 0;
    const existing = this.socket;
    if (existing !== undefined && !existing.destroyed && existing.readyState === 'open') {
      this.onConnected(gen, existing);
      return;
    }
    const t = connectTarget(this.owner);
    const s = t.path !== undefined ? net.connect({ path: t.path }) : net.connect({ host: t.host!, port: t.port!, localAddress: t.localAddress });
    this.socket = s;
    s.setNoDelay(true);
    s.on('connect', () => this.onConnected(this.generation, s));
    s.on('data', (d: Buffer) => this.onData(s, d));
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      if (this.inFlight) {
        this.inFlight = false;
        this.generation++;
        this.owner.onProbeResult(ProbeOutcome.NetworkFailure);
      }
    });
  }

  private onConnected(gen: number, s: net.Socket): void {
    if (gen !== this.generation) return;
    const c = this.cfg;
    if (c.send !== undefined) s.write(c.send);
    if (c.receive.length === 0) {
      // Connect-only (or send-only) checks pass on connect; Envoy closes these connections.
      this.succeed(s, c.send === undefined || !this.reuse);
    }
  }

  private onData(s: net.Socket, d: Buffer): void {
    if (s !== this.socket || !this.inFlight) return;
    this.received.push(d);
    this.receivedBytes += d.length;
    const want = this.cfg.receive;
    if (want.length === 0) return;
    const all = Buffer.concat(this.received, this.receivedBytes);
    let at = 0;
    for (const block of want) {
      const i = all.indexOf(block, at);
      if (i < 0) return;
      at = i + block.length;
    }
    this.succeed(s, !this.reuse);
  }

  private succeed(s: net.Socket, close: boolean): void {
    this.generation++;
    this.inFlight = false;
    this.received = [];
    this.receivedBytes = 0;
    if (close) {
      if (this.socket === s) this.socket = undefined;
      s.destroy();
    }
    this.owner.onProbeResult(ProbeOutcome.Healthy);
  }

  abort(): void {
    this.generation++;
    this.inFlight = false;
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
  }

  close(): void {
    this.abort();
  }
}

export function createProbe(cfg: HealthCheckKind, owner: ProbeOwner, reuse: boolean): Probe {
  return cfg.kind === 'http' ? new HttpProbe(cfg, owner, reuse) : new TcpProbe(cfg, owner, reuse);
}
