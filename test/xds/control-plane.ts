// A scriptable ADS control plane for tests: a real gRPC server (grpc-js + proto-loader over the
// discovery protos shipped with @grpc/grpc-js-xds) speaking SotW and delta. Tests set, withdraw or
// break resources, delay responses, drop streams, stop and restart it, and read back every request
// it received (nonce, version, names, error_detail, node) to assert ACKs and NACKs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { encodeBinary } from '../../proxy/config/proto-binary-encode';
import { envoySchema, typeNameOfUrl } from '../../proxy/config/schema/schema';

type Obj = Record<string, unknown>;

/** A request as the server decoded it (protobufjs: an independent decoder of the client's bytes). */
export interface RecordedRequest {
  readonly stream: number;
  readonly mode: 'sotw' | 'delta';
  readonly type_url: string;
  readonly version_info?: string;
  readonly response_nonce?: string;
  readonly resource_names?: string[];
  readonly resource_names_subscribe?: string[];
  readonly resource_names_unsubscribe?: string[];
  readonly initial_resource_versions?: Record<string, string>;
  readonly error_detail?: { code?: number; message?: string };
  readonly node?: Obj;
  readonly at: number;
}

export interface SentResponse {
  readonly stream: number;
  readonly type_url: string;
  readonly version: string;
  readonly nonce: string;
  readonly names: string[];
  readonly removed: string[];
}

interface StoredResource {
  readonly bytes: Buffer;
  readonly version: string;
}

interface TypeSub {
  names: Set<string>;
  wildcard: boolean;
  lastNonce: string;
  /** SotW: the version last sent; delta: per-resource versions the client has. */
  sentVersion: string | undefined;
  readonly sentVersions: Map<string, string>;
  requested: boolean;
}

interface Stream {
  readonly id: number;
  readonly mode: 'sotw' | 'delta';
  readonly call: grpc.ServerDuplexStream<Obj, Obj>;
  readonly types: Map<string, TypeSub>;
  nonce: number;
}

const WILDCARD_TYPES = new Set([
  'type.googleapis.com/envoy.config.listener.v3.Listener',
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
]);

let pkgCache: grpc.GrpcObject | undefined;

function discoveryPackage(): grpc.GrpcObject {
  if (!pkgCache) {
    const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
    const def = protoLoader.loadSync(['envoy/service/discovery/v3/ads.proto', 'envoy/service/secret/v3/sds.proto'], {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: false,
      oneofs: true,
      includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(deps, d)),
    });
    pkgCache = grpc.loadPackageDefinition(def);
  }
  return pkgCache;
}

function adsService(): grpc.ServiceDefinition {
  const ns = discoveryPackage() as unknown as { envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: { service: grpc.ServiceDefinition } } } } } };
  return ns.envoy.service.discovery.v3.AggregatedDiscoveryService.service;
}

/** SecretDiscoveryService: what Istio's sds-grpc cluster (the agent's SDS server) speaks. */
function sdsService(): grpc.ServiceDefinition {
  const ns = discoveryPackage() as unknown as { envoy: { service: { secret: { v3: { SecretDiscoveryService: { service: grpc.ServiceDefinition } } } } } };
  return ns.envoy.service.secret.v3.SecretDiscoveryService.service;
}

/** Encodes a canonical resource (no '@type' needed) as the packed bytes of its type. */
export function encodeResource(typeUrl: string, value: Obj): Buffer {
  const { ['@type']: _t, ...fields } = value;
  return encodeBinary(envoySchema(), typeNameOfUrl(typeUrl), fields);
}

export interface ControlPlaneOptions {
  /** A unix socket path; otherwise 127.0.0.1 on `port` (0 = any). */
  readonly socketPath?: string;
  readonly port?: number;
  /** Delta: answer names that do not exist with removed_resources. */
  readonly reportMissingAsRemoved?: boolean;
  /** Serve TLS with this key and certificate chain (PEM). */
  readonly tls?: { readonly key: Buffer; readonly cert: Buffer };
  /** Also serve SecretDiscoveryService (StreamSecrets, DeltaSecrets) from the same resources. */
  readonly sds?: boolean;
}

export class ControlPlane {
  readonly requests: RecordedRequest[] = [];
  readonly responses: SentResponse[] = [];
  /** Applied before every response is written. */
  responseDelayMs = 0;
  private readonly snapshot = new Map<string, Map<string, StoredResource>>();
  private readonly typeVersions = new Map<string, number>();
  private readonly streams = new Set<Stream>();
  private server: grpc.Server | undefined;
  private streamCounter = 0;
  private waiters: { pred: (r: RecordedRequest) => boolean; from: number; resolve: (r: RecordedRequest) => void }[] = [];
  port = 0;

  private constructor(private readonly o: ControlPlaneOptions) {}

  static async start(o: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const cp = new ControlPlane(o);
    await cp.listen();
    return cp;
  }

  /** The grpc-js target (`127.0.0.1:port` or `unix:/path`). */
  get target(): string {
    return this.o.socketPath ? `unix:${this.o.socketPath}` : `127.0.0.1:${this.port}`;
  }

  /** A bootstrap static cluster that reaches this control plane, as Istio's xds-grpc does. */
  cluster(name = 'xds-grpc'): Obj {
    const address = this.o.socketPath
      ? { pipe: { path: this.o.socketPath } }
      : { socket_address: { address: '127.0.0.1', port_value: this.port } };
    return {
      name,
      type: 'STATIC',
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address } }] }] },
      typed_extension_protocol_options: {},
    };
  }

  async listen(): Promise<void> {
    const server = new grpc.Server();
    const svc = adsService();
    server.addService(svc, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<Obj, Obj>) => this.onStream(call, 'sotw'),
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<Obj, Obj>) => this.onStream(call, 'delta'),
    });
    if (this.o.sds) {
      server.addService(sdsService(), {
        StreamSecrets: (call: grpc.ServerDuplexStream<Obj, Obj>) => this.onStream(call, 'sotw'),
        DeltaSecrets: (call: grpc.ServerDuplexStream<Obj, Obj>) => this.onStream(call, 'delta'),
        FetchSecrets: (_call: unknown, cb: grpc.sendUnaryData<Obj>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'FetchSecrets: use the stream' }),
      });
    }
    let addr: string;
    if (this.o.socketPath) {
      fs.rmSync(this.o.socketPath, { force: true });
      addr = `unix:${this.o.socketPath}`;
    } else addr = `127.0.0.1:${this.port || this.o.port || 0}`;
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(addr, this.o.tls ? grpc.ServerCredentials.createSsl(null, [{ private_key: this.o.tls.key, cert_chain: this.o.tls.cert }]) : grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
  }

  /** Kills the server and every stream (the client sees UNAVAILABLE). */
  stop(): void {
    for (const s of this.streams) s.call.destroy(new Error('control plane stopped'));
    this.streams.clear();
    this.server?.forceShutdown();
    this.server = undefined;
  }

  /** Starts again on the same address, keeping the resources. */
  async restart(): Promise<void> {
    this.stop();
    await this.listen();
  }

  /** Ends every stream with UNAVAILABLE; the server keeps listening. */
  dropStreams(): void {
    for (const s of this.streams) s.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'dropped by test' });
    for (const s of this.streams) s.call.end();
    this.streams.clear();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  // ---- resources ----

  /** Replaces every resource of a type (canonical objects keyed by name, or raw bytes), then pushes. */
  setResources(typeUrl: string, resources: Record<string, Obj | Buffer>, push = true): string {
    const version = this.bump(typeUrl);
    const m = new Map<string, StoredResource>();
    const old = this.snapshot.get(typeUrl);
    for (const [name, v] of Object.entries(resources)) {
      const bytes = Buffer.isBuffer(v) ? v : encodeResource(typeUrl, v);
      const prev = old?.get(name);
      m.set(name, { bytes, version: prev && prev.bytes.equals(bytes) ? prev.version : version });
    }
    this.snapshot.set(typeUrl, m);
    if (push) this.pushAll(typeUrl);
    return version;
  }

  /** Adds or replaces one resource, then pushes. */
  upsert(typeUrl: string, name: string, value: Obj | Buffer, push = true): string {
    const version = this.bump(typeUrl);
    const m = this.snapshot.get(typeUrl) ?? new Map<string, StoredResource>();
    m.set(name, { bytes: Buffer.isBuffer(value) ? value : encodeResource(typeUrl, value), version });
    this.snapshot.set(typeUrl, m);
    if (push) this.pushAll(typeUrl);
    return version;
  }

  /** Withdraws one resource, then pushes. */
  remove(typeUrl: string, name: string, push = true): string {
    const version = this.bump(typeUrl);
    this.snapshot.get(typeUrl)?.delete(name);
    if (push) this.pushAll(typeUrl);
    return version;
  }

  version(typeUrl: string): string {
    return String(this.typeVersions.get(typeUrl) ?? 0);
  }

  private bump(typeUrl: string): string {
    const v = (this.typeVersions.get(typeUrl) ?? 0) + 1;
    this.typeVersions.set(typeUrl, v);
    return String(v);
  }

  /** Sends the current state of a type to every stream subscribed to it. */
  pushAll(typeUrl: string): void {
    for (const s of this.streams) {
      const sub = s.types.get(typeUrl);
      if (sub?.requested) this.respond(s, typeUrl, sub, true);
    }
  }

  // ---- requests ----

  /** Resolves with the first request (after index `from`) that matches. */
  waitForRequest(pred: (r: RecordedRequest) => boolean, timeoutMs = 5000, from = 0): Promise<RecordedRequest> {
    const found = this.requests.slice(from).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, from, resolve: (r: RecordedRequest) => { clearTimeout(t); resolve(r); } };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching request within ${timeoutMs} ms; got:\n${this.requests.map((r) => JSON.stringify({ ...r, node: r.node ? '<node>' : undefined })).join('\n')}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  private onStream(call: grpc.ServerDuplexStream<Obj, Obj>, mode: 'sotw' | 'delta'): void {
    const s: Stream = { id: ++this.streamCounter, mode, call, types: new Map(), nonce: 0 };
    this.streams.add(s);
    call.on('data', (req: Obj) => this.onRequest(s, req));
    call.on('end', () => {
      this.streams.delete(s);
      call.end();
    });
    call.on('error', () => this.streams.delete(s));
    call.on('cancelled', () => this.streams.delete(s));
  }

  private record(s: Stream, req: Obj): RecordedRequest {
    const r: RecordedRequest = { ...(req as object), stream: s.id, mode: s.mode, type_url: String(req.type_url ?? ''), at: Date.now() };
    this.requests.push(r);
    const idx = this.requests.length - 1;
    for (const w of [...this.waiters]) {
      if (idx >= w.from && w.pred(r)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(r);
      }
    }
    return r;
  }

  private onRequest(s: Stream, req: Obj): void {
    const r = this.record(s, req);
    const typeUrl = r.type_url;
    let sub = s.types.get(typeUrl);
    const first = !sub;
    if (!sub) {
      sub = { names: new Set(), wildcard: false, lastNonce: '', sentVersion: undefined, sentVersions: new Map(), requested: false };
      s.types.set(typeUrl, sub);
    }
    const nonce = r.response_nonce ?? '';
    // A request answering an older response is stale: the client has a newer one coming.
    if (nonce && nonce !== sub.lastNonce) return;
    if (s.mode === 'sotw') {
      const names = r.resource_names ?? [];
      const wildcard = names.includes('*') || (names.length === 0 && WILDCARD_TYPES.has(typeUrl));
      const newNames = new Set(names.filter((n) => n !== '*'));
      const changed = first || wildcard !== sub.wildcard || newNames.size !== sub.names.size || [...newNames].some((n) => !sub!.names.has(n));
      sub.names = newNames;
      sub.wildcard = wildcard;
      sub.requested = true;
      if (r.error_detail && !changed) return;
      if (changed || !nonce) this.respond(s, typeUrl, sub, true);
      else if (sub.sentVersion !== this.version(typeUrl)) this.respond(s, typeUrl, sub, false);
      return;
    }
    const subscribe = r.resource_names_subscribe ?? [];
    const unsubscribe = r.resource_names_unsubscribe ?? [];
    if (first) {
      sub.wildcard = subscribe.includes('*') || (subscribe.length === 0 && WILDCARD_TYPES.has(typeUrl));
      for (const [n, v] of Object.entries(r.initial_resource_versions ?? {})) sub.sentVersions.set(n, v);
    } else if (subscribe.includes('*')) sub.wildcard = true;
    if (unsubscribe.includes('*')) sub.wildcard = false;
    for (const n of subscribe) if (n !== '*') sub.names.add(n);
    for (const n of unsubscribe) {
      sub.names.delete(n);
      sub.sentVersions.delete(n);
    }
    sub.requested = true;
    if (r.error_detail) return;
    if (first || subscribe.length || unsubscribe.length) this.respond(s, typeUrl, sub, first);
  }

  private respond(s: Stream, typeUrl: string, sub: TypeSub, force: boolean): void {
    const all = this.snapshot.get(typeUrl) ?? new Map<string, StoredResource>();
    const nonce = String(++s.nonce);
    let msg: Obj;
    let names: string[];
    let removed: string[] = [];
    if (s.mode === 'sotw') {
      names = [...all.keys()].filter((n) => sub.wildcard || sub.names.has(n));
      if (!force && sub.sentVersion === this.version(typeUrl)) return;
      sub.sentVersion = this.version(typeUrl);
      msg = {
        version_info: this.version(typeUrl),
        type_url: typeUrl,
        nonce,
        resources: names.map((n) => ({ type_url: typeUrl, value: all.get(n)!.bytes })),
      };
    } else {
      const wanted = (n: string): boolean => sub.wildcard || sub.names.has(n);
      names = [...all.entries()].filter(([n, r]) => wanted(n) && sub.sentVersions.get(n) !== r.version).map(([n]) => n);
      removed = [...sub.sentVersions.keys()].filter((n) => !all.has(n) && wanted(n));
      if (this.o.reportMissingAsRemoved) {
        for (const n of sub.names) if (!all.has(n) && !removed.includes(n)) removed.push(n);
      }
      if (!force && names.length === 0 && removed.length === 0) return;
      for (const n of names) sub.sentVersions.set(n, all.get(n)!.version);
      for (const n of removed) sub.sentVersions.delete(n);
      msg = {
        system_version_info: this.version(typeUrl),
        type_url: typeUrl,
        nonce,
        resources: names.map((n) => ({ name: n, version: all.get(n)!.version, resource: { type_url: typeUrl, value: all.get(n)!.bytes } })),
        removed_resources: removed,
      };
    }
    sub.lastNonce = nonce;
    this.responses.push({ stream: s.id, type_url: typeUrl, version: this.version(typeUrl), nonce, names, removed });
    const write = (): void => {
      if (this.streams.has(s)) s.call.write(msg);
    };
    if (this.responseDelayMs > 0) setTimeout(write, this.responseDelayMs);
    else write();
  }
}
