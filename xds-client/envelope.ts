// Reads the DiscoveryResponse envelopes straight off the wire, leaving every resource as a view
// of its packed bytes. The read itself is one walk that checks the framing of every resource
// (Any, Resource wrapper) and records where each lies, allocating nothing per resource; the
// RawResource of each is made when the batch decoder reaches it, in its slices. (Reading all
// 10,000 RawResources up front was the longest single stall of a 10,000-cluster push: ~40 ms on
// first use.) The resources themselves are decoded later, and only when their bytes changed.
import { RESOURCE_WRAPPER } from './type-urls';

export class EnvelopeError extends Error {}

const EMPTY: Buffer = Buffer.alloc(0);

/** A protobuf reader over a Buffer: just what the envelopes need. */
class Wire {
  pos: number;
  end: number;
  constructor(readonly buf: Buffer, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a length prefix and returns where that field ends, without copying or viewing it. */
  lengthEnd(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new EnvelopeError('length-delimited field runs past the end');
    return end;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new EnvelopeError('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new EnvelopeError('varint longer than 10 bytes');
  }

  bytes(): Buffer {
    const end = this.lengthEnd();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  string(): string {
    return this.bytes().toString('utf8');
  }

  skip(wire: number): void {
    switch (wire) {
      case 0: this.varint(); return;
      case 1: this.pos += 8; break;
      case 2: this.pos = this.lengthEnd(); return; // no view made: peekTypeUrl skips every resource
      case 5: this.pos += 4; break;
      default: throw new EnvelopeError(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new EnvelopeError('truncated fixed-width field');
  }
}

/** One resource of a response, still packed. */
export interface RawResource {
  readonly typeUrl: string;
  readonly bytes: Buffer;
  /** From a Resource wrapper (delta, or SotW with TTL); otherwise read from the bytes later. */
  readonly name?: string;
  readonly version?: string;
  /** A wrapper with no resource: a TTL heartbeat (SotW) or a name-only entry; nothing to apply. */
  readonly empty?: boolean;
}

/** A response's resources in order; at(i) reads one (an array of RawResource is one too). */
export interface RawResources {
  readonly length: number;
  at(i: number): RawResource | undefined;
}

export interface SotwResponse {
  readonly versionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: RawResources;
}

export interface DeltaResponse {
  readonly systemVersionInfo: string;
  readonly typeUrl: string;
  readonly nonce: string;
  readonly resources: RawResources;
  readonly removed: string[];
}

/**
 * Every resource of a response repeats the same type URL: decode it once and recognise the
 * repeats by their bytes, in place, so a 10,000-resource envelope read makes no garbage for it.
 */
class TypeUrlCache {
  private bytes: Buffer = EMPTY;
  private text = '';

  get(buf: Buffer, start: number, end: number): string {
    const b = this.bytes;
    let same = b.length === end - start;
    for (let i = 0; same && i < b.length; i++) same = b[i] === buf[start + i];
    if (!same) {
      this.bytes = Buffer.from(buf.subarray(start, end));
      this.text = this.bytes.toString('utf8');
    }
    return this.text;
  }
}

/** google.protobuf.Any in [w.pos, end): type_url 1, value 2. */
function readAny(w: Wire, end: number, urls: TypeUrlCache): { typeUrl: string; value: Buffer } {
  const outer = w.end;
  w.end = end;
  let typeUrl = '';
  let value: Buffer = EMPTY;
  while (!w.done) {
    const tag = w.varint();
    if (tag === 0x0a) {
      const e = w.lengthEnd();
      typeUrl = urls.get(w.buf, w.pos, e);
      w.pos = e;
    } else if (tag === 0x12) value = w.bytes();
    else w.skip(tag & 7);
  }
  w.end = outer;
  return { typeUrl, value };
}

/** envoy.service.discovery.v3.Resource: name 3, version 1, resource 2 (Any); aliases, ttl ignored. */
function readWrapper(b: Buffer, urls: TypeUrlCache): RawResource {
  const w = new Wire(b);
  let name: string | undefined;
  let version = '';
  let inner: { typeUrl: string; value: Buffer } | undefined;
  while (!w.done) {
    const tag = w.varint();
    if (tag === 0x1a) name = w.string();
    else if (tag === 0x0a) version = w.string();
    else if (tag === 0x12) inner = readAny(w, w.lengthEnd(), urls);
    else w.skip(tag & 7);
  }
  if (!inner) return { typeUrl: '', bytes: EMPTY, name, version, empty: true };
  return { typeUrl: inner.typeUrl, bytes: inner.value, name, version };
}

const WRAPPER_URL = Buffer.from(RESOURCE_WRAPPER);

/** Whether buf[start, end) holds the Resource wrapper's type URL. */
function isWrapperUrl(buf: Buffer, start: number, end: number): boolean {
  return end - start === WRAPPER_URL.length && buf.compare(WRAPPER_URL, 0, WRAPPER_URL.length, start, end) === 0;
}

/**
 * Checks what readAny (and readWrapper, for a wrapped resource) will read in [w.pos, end): every
 * tag, length and field fits. Leaves w at `end`; throws EnvelopeError as the readers would.
 */
function checkAny(w: Wire, end: number): void {
  const outer = w.end;
  w.end = end;
  let wrapped = false;
  let vStart = 0;
  let vEnd = -1;
  while (!w.done) {
    const tag = w.varint();
    if (tag === 0x0a) {
      const e = w.lengthEnd();
      wrapped = isWrapperUrl(w.buf, w.pos, e);
      w.pos = e;
    } else if (tag === 0x12) {
      vEnd = w.lengthEnd();
      vStart = w.pos;
      w.pos = vEnd;
    } else w.skip(tag & 7);
  }
  w.end = outer;
  if (wrapped && vEnd >= 0) {
    const pos = w.pos;
    w.pos = vStart;
    checkWrapper(w, vEnd);
    w.pos = pos;
  }
}

/** The same for a Resource wrapper in [w.pos, end) (delta's resources, or a wrapped SotW one). */
function checkWrapper(w: Wire, end: number): void {
  const outer = w.end;
  w.end = end;
  while (!w.done) {
    const tag = w.varint();
    if (tag === 0x1a || tag === 0x0a) w.pos = w.lengthEnd();
    else if (tag === 0x12) checkAny(w, w.lengthEnd());
    else w.skip(tag & 7);
  }
  w.end = outer;
}

/** The resources of one response as spans of its buffer, each read into a RawResource by at(). */
class ResourceSpans implements RawResources {
  private readonly urls = new TypeUrlCache();

  constructor(
    private readonly buf: Buffer,
    /** start, end of each resource's field value (an Any, or a wrapper when `wrappers`). */
    private readonly spans: readonly number[],
    private readonly wrappers: boolean,
  ) {}

  get length(): number {
    return this.spans.length / 2;
  }

  at(i: number): RawResource | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const start = this.spans[2 * i];
    const end = this.spans[2 * i + 1];
    if (this.wrappers) return readWrapper(this.buf.subarray(start, end), this.urls);
    const any = readAny(new Wire(this.buf, start, end), end, this.urls);
    return any.typeUrl === RESOURCE_WRAPPER ? readWrapper(any.value, this.urls) : { typeUrl: any.typeUrl, bytes: any.value };
  }
}

/** A walk over a response that pauses (yields) after each resource: see readSliced. */
export type ResponseWalk<T> = Generator<void, T, void>;

/**
 * The one walk under both dialects. DiscoveryResponse and DeltaDiscoveryResponse share version
 * (1), resources (2), type_url (4) and nonce (5); a delta resource is a Resource wrapper where a
 * SotW one is an Any, and field 6 is delta's removed_resources (SotW's control_plane is skipped).
 */
function* walkEnvelope(buf: Buffer, delta: boolean): ResponseWalk<DeltaResponse> {
  const w = new Wire(buf);
  let version = '';
  let typeUrl = '';
  let nonce = '';
  const spans: number[] = [];
  const removed: string[] = [];
  while (!w.done) {
    const tag = w.varint();
    switch (tag) {
      case 0x0a: version = w.string(); break;
      case 0x12: {
        const end = w.lengthEnd();
        spans.push(w.pos, end);
        if (delta) checkWrapper(w, end);
        else checkAny(w, end);
        yield;
        break;
      }
      case 0x22: typeUrl = w.string(); break;
      case 0x2a: nonce = w.string(); break;
      case 0x32:
        if (delta) removed.push(w.string());
        else w.skip(2);
        break;
      default: w.skip(tag & 7);
    }
  }
  return { systemVersionInfo: version, typeUrl, nonce, resources: new ResourceSpans(buf, spans, delta), removed };
}

export function* walkSotwResponse(buf: Buffer): ResponseWalk<SotwResponse> {
  const r = yield* walkEnvelope(buf, false);
  return { versionInfo: r.systemVersionInfo, typeUrl: r.typeUrl, nonce: r.nonce, resources: r.resources };
}

export function walkDeltaResponse(buf: Buffer): ResponseWalk<DeltaResponse> {
  return walkEnvelope(buf, true);
}

function drain<T>(walk: ResponseWalk<T>): T {
  for (;;) {
    const r = walk.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs a walk to its end, awaiting `pause()` between resources whenever it returns a promise (a
 * used-up slice): even the allocation-free read of 10,000 resources took ~25 ms the first time.
 */
export async function readSliced<T>(walk: ResponseWalk<T>, pause: () => Promise<void> | undefined): Promise<T> {
  for (;;) {
    const r = walk.next();
    if (r.done) return r.value;
    const p = pause();
    if (p !== undefined) await p;
  }
}

export function readSotwResponse(buf: Buffer): SotwResponse {
  return drain(walkSotwResponse(buf));
}

export function readDeltaResponse(buf: Buffer): DeltaResponse {
  return drain(walkDeltaResponse(buf));
}

/**
 * The type_url (field 4 of both DiscoveryResponse and DeltaDiscoveryResponse) of a response not
 * yet read, skipping its resources unchecked; undefined when the framing is broken. The mux
 * learns from it which types have a response waiting before it sends their subscription changes.
 */
export function peekTypeUrl(buf: Buffer): string | undefined {
  try {
    // The last occurrence wins, as in the full read; skipping the resources costs a varint each.
    const w = new Wire(buf);
    let typeUrl = '';
    while (!w.done) {
      const tag = w.varint();
      if (tag === 0x22) typeUrl = w.string();
      else w.skip(tag & 7);
    }
    return typeUrl;
  } catch {
    return undefined;
  }
}

/**
 * Every xDS resource type keeps its name in field 1 (Listener.name, Cluster.name,
 * ClusterLoadAssignment.cluster_name, Secret.name, ...): read it without decoding the rest, so an
 * unchanged resource is recognised by name and bytes alone.
 */
export function peekName(bytes: Buffer): string | undefined {
  try {
    const w = new Wire(bytes);
    while (!w.done) {
      const tag = w.varint();
      if (tag === 0x0a) return w.string();
      w.skip(tag & 7);
    }
    return '';
  } catch {
    return undefined;
  }
}
