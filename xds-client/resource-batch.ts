// Turns one response's packed resources into decoded ones without stalling traffic: resources
// whose bytes equal the accepted copy are reused as they are (Istio re-sends every cluster on each
// CDS push), the rest are decoded in slices of at most `sliceMs`, yielding to the event loop
// (setImmediate) between slices so requests in flight keep flowing. A single big resource is
// decoded in slices too, when the codec can. For a watcher that decodes on read, a resource is
// only checked to be well-formed here (XdsCodec.checkResource) and decoded when it is applied.
import { performance } from 'node:perf_hooks';
import { peekName, RawResources } from './envelope';
import { FieldIssue, ResourceIssue, XdsCodec } from './types';

/**
 * An accepted resource as the client keeps it: its own copy of the bytes, not the decoded value.
 * The bytes recognise an unchanged resource and can be decoded again when asked for; a decoded
 * tree is dozens of small objects, kept alive for every one of 10,000 clusters for nothing.
 */
export interface CachedResource {
  readonly name: string;
  readonly version: string;
  readonly bytes: Buffer;
}

export interface DecodedItem extends CachedResource {
  /** False when the bytes equal the cached copy: the watcher is not told again (value is undefined). */
  readonly changed: boolean;
  readonly value: unknown;
}

/** The record the cache keeps of an item (never the item itself, which holds the decoded value). */
export function cachedOf(i: CachedResource): CachedResource {
  return { name: i.name, version: i.version, bytes: i.bytes };
}

/** `named`: the names Resource wrappers carried (empty ones too), for the caller's bookkeeping. */
export type BatchResult =
  | { readonly ok: true; readonly items: readonly DecodedItem[]; readonly named: ReadonlySet<string> }
  | { readonly ok: false; readonly issues: readonly ResourceIssue[]; readonly named: ReadonlySet<string> };

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Times the slices of a response's handling: after each unit of work, `if (s.due()) await
 * s.turn();` lets pending I/O run once `sliceMs` is used up (no promise while the slice lasts).
 */
export class Slices {
  private start = performance.now();

  constructor(private readonly sliceMs: number) {}

  due(): boolean {
    return performance.now() - this.start >= this.sliceMs;
  }

  async turn(): Promise<void> {
    await yieldToLoop();
    this.start = performance.now();
  }

  /** For a sliced decoder: a promise to await when the slice is used up, else undefined. */
  readonly pause = (): Promise<void> | undefined => (this.due() ? this.turn() : undefined);
}

/** What a resource that passed the check stands for: well-formed, its value decoded on read. */
const CHECKED = { ok: true, value: undefined } as const;

/** A resource this big is decoded in parts too (a RouteConfiguration with thousands of hosts). */
const SLICED_DECODE_BYTES = 64 * 1024;

export interface BatchOptions {
  readonly typeUrl: string;
  /** Used as the version of resources that carry none (SotW). */
  readonly version: string;
  readonly sliceMs: number;
  readonly codec: XdsCodec;
  readonly cache: ReadonlyMap<string, CachedResource>;
  /** Names worth decoding; others are skipped (a named subscription ignores what it did not ask for). */
  readonly wanted?: (name: string) => boolean;
  /** False: resources are checked (or, without checkResource, decoded and the values dropped); see TypeWatcher.decodeOnRead. */
  readonly keepValues?: boolean;
}

/** A resource's value failed its decode (a rule, not the wire format: that was checked on arrival). */
export class ResourceDecodeError extends Error {
  constructor(
    readonly resourceName: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(`${resourceName}: ${issues.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`);
  }
}

/** A resource whose value is decoded from its (checked) bytes on each read; see TypeWatcher.decodeOnRead. */
export class DecodeOnRead {
  constructor(
    readonly name: string,
    readonly version: string,
    readonly bytes: Buffer,
    private readonly typeUrl: string,
    private readonly codec: XdsCodec,
  ) {}

  /** Throws a ResourceDecodeError naming the fields when the value does not decode. */
  get value(): unknown {
    const res = this.codec.decodeResource(this.typeUrl, this.bytes);
    if (!res.ok) throw new ResourceDecodeError(this.name, res.errors);
    return res.value;
  }
}

/** Decodes a response's resources; one bad resource rejects the whole response, as Envoy does. */
export async function decodeBatch(raw: RawResources, o: BatchOptions): Promise<BatchResult> {
  const items: DecodedItem[] = [];
  const issues: ResourceIssue[] = [];
  const seen = new Set<string>();
  const named = new Set<string>();
  const slices = new Slices(o.sliceMs);
  const check = o.keepValues === false && o.codec.checkResource ? o.codec.checkResource.bind(o.codec) : undefined;
  for (let i = 0; i < raw.length; i++) {
    const r = raw.at(i)!; // read from the response here, inside the slices
    if (r.name !== undefined) named.add(r.name);
    if (r.empty) continue;
    const name = r.name ?? peekName(r.bytes);
    const label = name ?? `resources[${i}]`;
    if (r.typeUrl !== o.typeUrl) {
      issues.push({ name: label, path: '', message: `type URL ${r.typeUrl} does not match the response's ${o.typeUrl}` });
      continue;
    }
    if (name === undefined) {
      issues.push({ name: label, path: '', message: 'malformed resource: cannot read its name' });
      continue;
    }
    if (seen.has(name)) {
      issues.push({ name, path: '', message: `duplicate resource name ${JSON.stringify(name)} in one response` });
      continue;
    }
    seen.add(name);
    if (o.wanted && !o.wanted(name)) continue;
    const cached = o.cache.get(name);
    if (cached && cached.bytes.equals(r.bytes)) {
      // SotW keeps the version a resource last changed in; delta resources carry their own.
      items.push({ name, version: r.version || cached.version, bytes: cached.bytes, value: undefined, changed: false });
    } else {
      // Checked only, for a watcher that decodes on read; decoded to keep the value, or to say
      // what is wrong with bytes the check refused.
      const small = r.bytes.length < SLICED_DECODE_BYTES;
      const res =
        check !== undefined && small && check(o.typeUrl, r.bytes)
          ? CHECKED
          : !small && o.codec.decodeResourceSliced
            ? await o.codec.decodeResourceSliced(o.typeUrl, r.bytes, slices.pause)
            : o.codec.decodeResource(o.typeUrl, r.bytes);
      if (!res.ok) {
        for (const e of res.errors) issues.push({ name, path: e.path, message: e.message });
      } else {
        // A copy, so the accepted set does not pin whole response buffers in memory.
        items.push({ name, version: r.version || o.version, bytes: Buffer.from(r.bytes), value: o.keepValues === false && small ? undefined : res.value, changed: true });
      }
    }
    if (slices.due()) await slices.turn();
  }
  return issues.length ? { ok: false, issues, named } : { ok: true, items, named };
}
