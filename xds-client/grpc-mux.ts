// One gRPC discovery stream (ADS, or one type's own service) and everything that lives on it:
// per-type subscriptions, the response queue (handled one at a time, in arrival order), ACK/NACK,
// and reconnection with back-off. The config accepted so far stays with the proxy while
// disconnected. Subscription changes wait while a response is handled and go out as soon as its
// watcher returns, as Envoy resumes EDS after a CDS update: the EDS request a CDS push causes
// leaves before the CDS ACK, not after every queued response. A type with a response still
// queued waits for it: a request with its older nonce would be ignored as stale. Changes made at
// other times (a response from a closed stream, one rejected before its watcher ran) go out with
// the next handled response's ACK or when the queue is empty.
import { performance } from 'node:perf_hooks';
import { Client, ClientDuplexStream, StatusObject } from '@grpc/grpc-js';
import { BackoffOptions, JitteredBackoff } from './backoff';
import { cachedOf, DecodedItem, DecodeOnRead, decodeBatch, Slices } from './resource-batch';
import { FetchTimers } from './fetch-timers';
import { GrpcTarget } from './grpc-target';
import { peekTypeUrl } from './envelope';
import { deltaProtocol, ParsedResponse, Protocol, sotwProtocol } from './protocol';
import { TypeState } from './type-state';
import { typeLabel, typeOrder } from './type-urls';
import { ResourceIssue, TypeWatcher, UpdateEvent, UpdateOutcome, XdsCodec, XdsLogger, XdsResource } from './types';

type Req = Record<string, unknown>;

export interface MuxHost {
  watcher(typeUrl: string): TypeWatcher | undefined;
  onConnectedChange(connected: boolean): void;
  onUpdateEvent(e: UpdateEvent): void;
  onDoesNotExist(typeUrl: string, name: string): void;
  /** Responses are being decoded and applied (true) or the queue is empty again (false). */
  onBusy(busy: boolean): void;
}

export interface MuxOptions {
  readonly target: GrpcTarget;
  /** The gRPC method path; its service decides ADS or a single type. */
  readonly method: string;
  /** 'ads' or 'api:<label>': tells watchers and logs where an update came from. */
  readonly source: string;
  readonly node: Readonly<Record<string, unknown>>;
  readonly codec: XdsCodec;
  readonly logger: XdsLogger;
  readonly host: MuxHost;
  readonly sliceMs: number;
  readonly backoff?: BackoffOptions;
}

interface Queued {
  readonly buf: Buffer;
  readonly streamId: number;
  /** Peeked off the envelope when first asked ('' when its framing is broken); undefined until then. */
  typeUrl?: string;
}

/** Formats a NACK's error_detail: every bad resource with its field path, as Envoy lists them. */
export function nackMessage(typeUrl: string, issues: readonly ResourceIssue[]): string {
  const parts = issues.map((i) => `${i.name}: ${i.path ? `${i.path}: ` : ''}${i.message}`);
  return `Error adding/updating ${typeLabel(typeUrl)}(s) ${parts.join(', ')}`;
}

export class GrpcMux {
  private readonly protocol: Protocol;
  private readonly types = new Map<string, TypeState>();
  private readonly backoff: JitteredBackoff;
  private client: Client | undefined;
  private call: ClientDuplexStream<Req, Buffer> | undefined;
  private streamId = 0;
  private nodeSent = false;
  private isConnected = false;
  private readonly queue: Queued[] = [];
  private processing = false;
  private flushScheduled = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;

  constructor(private readonly o: MuxOptions) {
    this.protocol = o.target.delta ? deltaProtocol : sotwProtocol;
    this.backoff = new JitteredBackoff(o.backoff);
  }

  get connected(): boolean {
    return this.isConnected;
  }

  get delta(): boolean {
    return this.protocol.delta;
  }

  typeState(typeUrl: string): TypeState | undefined {
    return this.types.get(typeUrl);
  }

  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    this.scheduleFlush();
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const st of this.types.values()) st.timers.close();
    this.streamId++;
    this.call?.cancel();
    this.call = undefined;
    this.client?.close();
    this.client = undefined;
    this.setConnected(false);
  }

  /** Adds interest in `name` ('*' = wildcard); timeoutMs 0 waits forever. */
  watch(typeUrl: string, name: string, timeoutMs: number): void {
    const st = this.state(typeUrl);
    const before = st.addWatch(name);
    if (name === '*') {
      if (before === 0 && !st.receivedAny) st.timers.arm('*', timeoutMs);
    } else if (before === 0 && !st.accepted.has(name)) st.timers.arm(name, timeoutMs);
    this.scheduleFlush();
  }

  unwatch(typeUrl: string, name: string): void {
    const st = this.types.get(typeUrl);
    if (!st) return;
    const left = st.dropWatch(name);
    if (left === -1) return;
    if (name === '*') {
      if (left === 0) {
        st.timers.disarm('*');
        for (const n of [...st.accepted.keys()]) if (!st.names.has(n)) st.accepted.delete(n);
      }
    } else {
      if (left > 0) return;
      st.timers.disarm(name);
      // Envoy forgets what it no longer watches; a later watch gets it fresh from the server.
      if (!st.wildcard) st.accepted.delete(name);
    }
    this.scheduleFlush();
  }

  private state(typeUrl: string): TypeState {
    let st = this.types.get(typeUrl);
    if (!st) {
      const timers: FetchTimers = new FetchTimers((name) => this.o.host.onDoesNotExist(typeUrl, name));
      st = new TypeState(typeUrl, timers);
      this.types.set(typeUrl, st);
    }
    return st;
  }

  private orderedTypes(): TypeState[] {
    return [...this.types.values()].sort((a, b) => typeOrder(a.typeUrl) - typeOrder(b.typeUrl));
  }

  // ---- stream lifecycle ----

  private openStream(): void {
    const t = this.o.target;
    this.client ??= new Client(t.target, t.credentials, t.options);
    const id = ++this.streamId;
    this.nodeSent = false;
    for (const st of this.types.values()) st.resetStream();
    const call = this.client.makeBidiStreamRequest<Req, Buffer>(
      this.o.method,
      (req) => Buffer.from(this.o.codec.encodeRequest(this.protocol.requestType, req)),
      (buf) => buf,
      t.metadata.clone(),
    );
    this.call = call;
    call.on('metadata', () => {
      if (id === this.streamId) this.setConnected(true);
    });
    call.on('data', (buf: Buffer) => this.onData(buf, id));
    call.on('status', (s: StatusObject) => this.onStreamClosed(id, `${s.code}, ${s.details}`));
    // grpc-js also emits 'error' for a non-OK status; 'status' handles both.
    call.on('error', () => undefined);
    this.o.logger.debug('xds: %s stream to %s opened (%s)', this.o.method, t.label, this.protocol.delta ? 'delta' : 'sotw');
    // Resubscribe with what is known: CDS/EDS first, then LDS/RDS/SDS.
    for (const st of this.orderedTypes()) {
      if (st.hasInterest()) this.send(st, this.protocol.subscription(st));
    }
  }

  private onStreamClosed(id: number, why: string): void {
    if (id !== this.streamId || this.closed) return;
    this.call = undefined;
    this.streamId++;
    this.setConnected(false);
    const delay = this.backoff.next();
    this.o.logger.warn('xds: %s gRPC config stream to %s closed: %s; reconnecting in %d ms', this.o.method, this.o.target.label, why, delay);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) this.openStream();
    }, delay);
  }

  private setConnected(v: boolean): void {
    if (this.isConnected === v) return;
    this.isConnected = v;
    this.o.host.onConnectedChange(v);
  }

  private send(st: TypeState, req: Req): void {
    const call = this.call;
    if (!call) return;
    if (!this.nodeSent || !this.o.target.setNodeOnFirstMessageOnly) req.node = this.o.node;
    this.nodeSent = true;
    st.markSent();
    try {
      call.write(req);
    } catch (e) {
      // An unencodable request is a bug in what we were given, not a reason to crash the proxy.
      this.o.logger.error('xds: cannot send %s request: %s', typeLabel(st.typeUrl), (e as Error).message);
    }
  }

  // ---- subscription changes ----

  private scheduleFlush(): void {
    if (this.flushScheduled || !this.started) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Tells the server about changed subscriptions, in Envoy's type order; waits while a response is handled. */
  private flush(): void {
    if (this.closed || this.processing) return;
    if (!this.call) {
      const interest = [...this.types.values()].some((st) => st.hasInterest());
      if (interest && !this.reconnectTimer) this.openStream();
      return;
    }
    this.sendChanged(undefined);
  }

  /** Sends each type's changed subscription, but not `handling`'s nor a type with a response queued. */
  private sendChanged(handling: TypeState | undefined): void {
    let queued: Set<string> | undefined;
    for (const st of this.orderedTypes()) {
      if (st === handling) continue;
      const needed = st.sentOnStream ? st.subscriptionChanged() : st.hasInterest();
      if (!needed) continue;
      queued ??= this.queuedTypes();
      if (!queued.has(st.typeUrl)) this.send(st, this.protocol.subscription(st));
    }
  }

  /**
   * The types of the responses waiting in the queue (a closed stream's included: they hold a
   * type's changes back only until the queue drains). Peeked only when a change is to be sent,
   * and once per response: a 10,000-resource envelope costs a few ms to skip through cold.
   */
  private queuedTypes(): Set<string> {
    const out = new Set<string>();
    for (const q of this.queue) out.add((q.typeUrl ??= peekTypeUrl(q.buf) ?? ''));
    return out;
  }

  // ---- responses ----

  private onData(buf: Buffer, id: number): void {
    if (id !== this.streamId) return;
    this.setConnected(true);
    this.backoff.reset();
    this.queue.push({ buf, streamId: id });
    if (!this.processing) void this.pump();
  }

  private async pump(): Promise<void> {
    this.processing = true;
    this.o.host.onBusy(true);
    try {
      while (this.queue.length && !this.closed) {
        const q = this.queue.shift()!;
        try {
          await this.handle(q);
        } catch (e) {
          this.o.logger.error('xds: handling a response failed: %s', (e as Error).stack ?? String(e));
        }
      }
    } finally {
      this.processing = false;
      this.o.host.onBusy(false);
    }
    this.flush();
  }

  private async handle(q: Queued): Promise<void> {
    const t0 = performance.now();
    // One slice clock for the whole response: reading, bookkeeping (decodeBatch keeps its own).
    const slices = new Slices(this.o.sliceMs);
    let p: ParsedResponse;
    try {
      p = await this.protocol.read(q.buf, slices.pause);
    } catch (e) {
      // Without a type URL there is no one to NACK for: start over on a fresh stream, as Envoy does.
      this.o.logger.error('xds: malformed discovery response from %s: %s', this.o.target.label, (e as Error).message);
      if (q.streamId === this.streamId) this.call?.cancel();
      return;
    }
    const st = this.types.get(p.typeUrl);
    const watcher = this.o.host.watcher(p.typeUrl);
    const live = (): boolean => q.streamId === this.streamId;
    if (!st || !watcher) {
      this.o.logger.warn('xds: ignoring a response for %s: nothing watches that type', p.typeUrl);
      return;
    }
    if (!st.hasInterest()) {
      this.onUnwatched(st, p, live());
      return;
    }
    if (live()) st.nonce = p.nonce;
    this.o.logger.debug('xds: %s response version %s nonce %s with %d resource(s)', typeLabel(p.typeUrl), p.versionInfo, p.nonce, p.resources.length);
    st.receivedAny = true;
    st.timers.disarm('*');
    const batch = await decodeBatch(p.resources, {
      typeUrl: p.typeUrl,
      version: p.versionInfo,
      sliceMs: this.o.sliceMs,
      codec: this.o.codec,
      cache: st.accepted,
      wanted: (name) => st.wants(name),
      keepValues: watcher.decodeOnRead !== true,
    });
    if (!batch.ok) {
      for (const name of batch.named) st.timers.disarm(name);
      this.reject(st, p, nackMessage(p.typeUrl, batch.issues), live(), t0);
      return;
    }
    // The bookkeeping around the watcher goes over every item too: in slices, as the decoding did.
    const present = new Set<string>(batch.named);
    const updated: DecodedItem[] = [];
    const resources: XdsResource[] = [];
    for (const item of batch.items) {
      present.add(item.name);
      st.timers.disarm(item.name);
      if (item.changed) {
        updated.push(item);
        resources.push(
          watcher.decodeOnRead === true && item.value === undefined
            ? new DecodeOnRead(item.name, item.version, item.bytes, p.typeUrl, this.o.codec)
            : { name: item.name, version: item.version, value: item.value, bytes: item.bytes },
        );
      }
      if (slices.due()) await slices.turn();
    }
    const removed = this.protocol.removals(st, p, present);
    for (const n of removed) st.timers.disarm(n);
    let outcome: UpdateOutcome | void;
    let threw = false;
    try {
      outcome = await watcher.onUpdate({ typeUrl: p.typeUrl, versionInfo: p.versionInfo, updated: resources, removed, source: this.o.source });
    } catch (e) {
      // Nothing is known to have been applied: the cache keeps what it had, so that the same
      // resources pushed again are handed to the watcher again rather than taken as unchanged.
      threw = true;
      outcome = { rejected: [{ name: '', path: '', message: `update failed: ${(e as Error).message}` }] };
    }
    // What the update subscribed to (a CDS push's EDS names, an LDS push's routes) goes out now.
    if (live() && this.call) this.sendChanged(st);
    const rejected = outcome && 'rejected' in outcome && outcome.rejected.length > 0 ? outcome.rejected : undefined;
    const bad = new Set(rejected?.map((r) => r.name));
    // Removals and the resources the watcher took are applied even when others are rejected.
    // A name unwatched while the watcher ran (its last user went) stays out of the cache: watched
    // again later, it must be fetched and handed over again, not taken as already known.
    if (!threw) {
      for (const n of removed) st.accepted.delete(n);
      for (const i of updated) {
        if (!bad.has(i.name) && st.wants(i.name)) st.accepted.set(i.name, cachedOf(i));
        if (slices.due()) await slices.turn();
      }
    }
    if (rejected) {
      this.reject(st, p, nackMessage(p.typeUrl, rejected), live(), t0);
      return;
    }
    // Resources that carry their own version (delta) keep it even when their bytes did not change.
    for (const i of batch.items) {
      if (!i.changed && i.version !== st.accepted.get(i.name)?.version && st.wants(i.name)) st.accepted.set(i.name, cachedOf(i));
      if (slices.due()) await slices.turn();
    }
    st.versionInfo = p.versionInfo;
    st.lastUpdated = new Date();
    st.errorState = undefined;
    if (live()) this.send(st, this.protocol.ack(st, p.nonce));
    this.o.host.onUpdateEvent({ typeUrl: p.typeUrl, source: this.o.source, outcome: 'accepted', versionInfo: p.versionInfo, durationMs: performance.now() - t0 });
  }

  /**
   * A response for a type whose last name was unwatched (the server answered the unsubscription,
   * or crossed it), as Envoy's GrpcMuxImpl takes it: its nonce is the one the type's next request
   * carries, since a server ignores a request with an older nonce as stale and the next
   * subscription would never be answered. SotW: an empty response is accepted without a request;
   * one with resources is refused by asking again with the old version. Delta: ACKed.
   */
  private onUnwatched(st: TypeState, p: ParsedResponse, live: boolean): void {
    if (!live) return;
    st.nonce = p.nonce;
    this.o.logger.debug('xds: %s response nonce %s with %d resource(s) while nothing is watched', typeLabel(p.typeUrl), p.nonce, p.resources.length);
    if (this.protocol.delta) this.send(st, this.protocol.ack(st, p.nonce));
    else if (p.resources.length === 0) st.versionInfo = p.versionInfo;
    else this.send(st, this.protocol.subscription(st));
  }

  private reject(st: TypeState, p: ParsedResponse, detail: string, live: boolean, t0: number): void {
    this.o.logger.warn('xds: rejecting %s version %s: %s', typeLabel(p.typeUrl), p.versionInfo, detail);
    st.errorState = { versionInfo: p.versionInfo, detail, at: new Date() };
    if (live) this.send(st, this.protocol.nack(st, p.nonce, detail));
    this.o.host.onUpdateEvent({ typeUrl: p.typeUrl, source: this.o.source, outcome: 'rejected', versionInfo: p.versionInfo, detail, durationMs: performance.now() - t0 });
  }
}
