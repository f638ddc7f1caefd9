// Protobuf wire format -> the same canonical form proto-json.ts produces, driven by the compiled
// schema. This is how binary Any resources from a DiscoveryResponse join the path static config
// takes, so both are validated and modelled by the same code. Nested messages are decoded in place
// (no copy per field), each message is frozen as it is finished and checked against its
// required/non-empty rules there, and a field path is built only for an issue.
import { Canonical, RAW_ANY, WRAPPER_TYPES, deepFreeze } from './canonical';
import { durationMs } from './duration';
import { IssueSink, Result, joinPath } from './result';
import { checkRules, ruleBroken } from './proto-rules';
import { FieldInfo, MessageInfo, Schema, typeNameOfUrl } from './schema/schema';
import { AnyParts, EMPTY, fieldOf, MAX_DEPTH, PACKABLE_WIRE, Reader, readAny, WireError } from './proto-binary-reader';

export interface BinaryDecodeOptions {
  /** Reject unknown fields (Envoy's --reject-unknown-dynamic-fields); default: warn. */
  readonly rejectUnknownFields?: boolean;
  /** Skip the required/non-empty rules (see proto-rules.ts). */
  readonly skipRules?: boolean;
}

/** Freezes the arrays and map objects a message's fields collected, then the message. */
function freezeMessage(out: Record<string, unknown>, hasContainers: boolean): Record<string, unknown> {
  if (hasContainers) {
    for (const k in out) {
      const v = out[k];
      if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) Object.freeze(v);
    }
  }
  return Object.freeze(out);
}

class BinaryDecoder {
  /**
   * The path from the message being decoded down to the current field, as field names and, for an
   * element of a repeated field, its index: a path string is built only for an issue.
   */
  private readonly names: string[] = [];
  private readonly indices: (number | string)[] = [];
  /** Nesting depth of the message being decoded (bounded, as protobuf's recursion limit). */
  private depth = 0;
  /**
   * Required/non-empty issues found as each message was finished. They stand unless a message
   * was later merged with another occurrence or lost a oneof member to a later one
   * (`reshaped`): then the finished tree is checked again as a whole (proto-rules.ts).
   */
  readonly ruleIssues: { path: string; message: string }[] = [];
  reshaped = false;

  constructor(
    private readonly schema: Schema,
    private readonly sink: IssueSink,
    private readonly opts: BinaryDecodeOptions,
    private readonly basePath: string,
  ) {}

  private path(last?: string): string {
    let p = this.basePath;
    for (let i = 0; i < this.names.length; i++) {
      p = joinPath(p, this.names[i]);
      const k = this.indices[i];
      if (k !== -1) p += `[${k}]`;
    }
    return last === undefined ? p : joinPath(p, last);
  }

  /** protoc-gen-validate's required and non-empty rules (see proto-rules.ts), on a decoded message. */
  private checkRules(info: MessageInfo, out: Record<string, unknown>): void {
    for (const f of info.ruleFields) {
      const broken = ruleBroken(f, out[f.name]);
      if (broken !== undefined) this.ruleIssues.push({ path: this.path(f.name), message: broken });
    }
  }

  /** Decodes buf[start, end) as `typeName` into its canonical, frozen form; undefined after an error. */
  message(typeName: string, buf: Buffer, start: number, end: number): unknown {
    if (this.depth >= MAX_DEPTH) throw new WireError(`messages nested deeper than ${MAX_DEPTH}`);
    this.depth++;
    try {
      return this.messageAt(typeName, buf, start, end);
    } finally {
      this.depth--;
    }
  }

  private messageAt(typeName: string, buf: Buffer, start: number, end: number): unknown {
    if (typeName === 'google.protobuf.Any') return this.any(buf, start, end);
    const wrapped = WRAPPER_TYPES.get(typeName);
    const raw = this.fields(typeName, buf, start, end, {});
    if (raw === undefined) return undefined;
    if (wrapped) return raw.value ?? this.defaultScalar(wrapped);
    switch (typeName) {
      case 'google.protobuf.Duration':
        return durationMs(Number(raw.seconds ?? 0), Number(raw.nanos ?? 0));
      case 'google.protobuf.Timestamp':
        return new Date(Number(raw.seconds ?? 0) * 1000 + Math.floor(Number(raw.nanos ?? 0) / 1e6)).toISOString();
      case 'google.protobuf.FieldMask':
        return raw.paths ?? Object.freeze([]);
      case 'google.protobuf.Struct':
        return Object.freeze(structToJson(raw));
      case 'google.protobuf.Value':
        return valueToJson(raw);
      case 'google.protobuf.ListValue':
        return raw.values ?? Object.freeze([]); // each element was converted as a Value already
      default:
        return raw;
    }
  }

  private defaultScalar(type: string): unknown {
    if (type === 'bool') return false;
    if (type === 'string') return '';
    if (type === 'bytes') return Buffer.alloc(0);
    return 0;
  }

  /** An Any: its packed message decoded in place, under `@type`. */
  private any(buf: Buffer, start: number, end: number): unknown {
    let parts: AnyParts;
    try {
      parts = readAny(buf, start, end);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.sink.error(this.path(), `malformed google.protobuf.Any: ${e.message}`);
      return undefined;
    }
    const { url, valueStart: vStart, valueEnd: vEnd } = parts;
    const typeName = typeNameOfUrl(url);
    if (!this.schema.hasMessage(typeName)) {
      // A copy, so the decoded tree does not pin the whole response buffer.
      return Object.freeze({ '@type': url, [RAW_ANY]: vEnd > vStart ? Buffer.from(buf.subarray(vStart, vEnd)) : EMPTY });
    }
    if (typeName.startsWith('google.protobuf.')) {
      const inner = this.message(typeName, buf, vStart, vEnd);
      return inner === undefined ? undefined : Object.freeze({ '@type': url, value: inner });
    }
    return this.fields(typeName, buf, vStart, vEnd, { '@type': url });
  }

  /** Decodes the fields of one message into `out` (well-known types are converted by the caller). */
  private fields(typeName: string, buf: Buffer, start: number, end: number, out: Record<string, unknown>): Record<string, unknown> | undefined {
    const info = this.info(typeName);
    if (!info) return undefined;
    const r = new Reader(buf, start, end);
    let containers = false;
    const depth = this.names.length;
    try {
      while (r.pos < r.end) containers = this.step(info, r, out) || containers;
    } catch (e) {
      return this.malformed(e, typeName, depth);
    }
    return this.finish(info, out, containers);
  }

  /**
   * fields() for a big top-level message (a 10,000-host RouteConfiguration): `pause` is awaited
   * after each field, so each element of a repeated field is one unit of work.
   */
  async fieldsSliced(typeName: string, buf: Buffer, pause: () => Promise<void> | undefined): Promise<Record<string, unknown> | undefined> {
    const info = this.info(typeName);
    if (!info) return undefined;
    const r = new Reader(buf, 0, buf.length);
    let containers = false;
    const out: Record<string, unknown> = {};
    try {
      while (r.pos < r.end) {
        containers = this.step(info, r, out) || containers;
        const p = pause();
        if (p !== undefined) await p;
      }
    } catch (e) {
      return this.malformed(e, typeName, 0);
    }
    return this.finish(info, out, containers);
  }

  private info(typeName: string): MessageInfo | undefined {
    const info = this.schema.message(typeName);
    if (!info) this.sink.error(this.path(), `type ${typeName} is not in the schema`);
    return info;
  }

  /** Reads one field into `out`; true when it went into a list or map. */
  private step(info: MessageInfo, r: Reader, out: Record<string, unknown>): boolean {
    const tag = r.varint();
    const num = Math.floor(tag / 8);
    const wire = tag & 7;
    const f = fieldOf(info, num);
    if (!f) {
      const msg = `unknown field number ${num} in ${info.name}`;
      if (this.opts.rejectUnknownFields) this.sink.error(this.path(), msg);
      else this.sink.warn(this.path(), msg);
      r.skip(wire);
      return false;
    }
    const siblings = f.oneofSiblings;
    if (siblings !== undefined) {
      // The last member of a oneof on the wire wins: drop an earlier sibling.
      for (let i = 0; i < siblings.length; i++) {
        if (out[siblings[i]] === undefined) continue;
        delete out[siblings[i]];
        this.reshaped = true;
      }
    }
    if (f.kind !== 'message' && f.mapKey === undefined) {
      // A scalar or enum reports no issue of its own (a wire error names the message): no path entry.
      this.field(f, r, wire, out);
      return f.repeated;
    }
    this.names.push(f.name);
    this.indices.push(f.repeated && !f.mapKey ? ((out[f.name] as unknown[] | undefined)?.length ?? 0) : -1);
    this.field(f, r, wire, out);
    this.names.pop();
    this.indices.pop();
    return f.repeated || f.mapKey !== undefined;
  }

  private malformed(e: unknown, typeName: string, depth: number): undefined {
    if (!(e instanceof WireError)) throw e;
    this.names.length = depth;
    this.indices.length = depth;
    this.sink.error(this.path(), `malformed ${typeName}: ${e.message}`);
    return undefined;
  }

  private finish(info: MessageInfo, out: Record<string, unknown>, containers: boolean): Record<string, unknown> {
    if (info.ruleFields.length !== 0 && !this.opts.skipRules) this.checkRules(info, out);
    return freezeMessage(out, containers);
  }

  private field(f: FieldInfo, r: Reader, wire: number, out: Record<string, unknown>): void {
    if (f.mapKey) {
      const end = r.delimitedEnd();
      const start = r.pos;
      r.pos = end;
      // The key first (it may follow the value on the wire), so the value's path names it.
      let key: unknown = f.mapKey === 'string' ? '' : 0;
      const kr = new Reader(r.buf, start, end);
      while (kr.pos < kr.end) {
        const tag = kr.varint();
        if (tag >> 3 === 1) key = this.scalar(f.mapKey, kr, tag & 7);
        else kr.skip(tag & 7);
      }
      this.indices[this.indices.length - 1] = String(key);
      let value: unknown;
      const er = new Reader(r.buf, start, end);
      while (er.pos < er.end) {
        const tag = er.varint();
        if (tag >> 3 === 2) value = this.single(f, er, tag & 7);
        else er.skip(tag & 7);
      }
      const map = (out[f.name] ??= Object.create(null)) as Record<string, unknown>;
      map[String(key)] = value ?? (f.kind === 'message' ? this.message(f.type, EMPTY, 0, 0) : undefined);
      return;
    }
    if (f.repeated) {
      const list = (out[f.name] ??= []) as unknown[];
      if (wire === 2 && f.kind !== 'message' && f.type !== 'string' && f.type !== 'bytes') {
        const end = r.delimitedEnd();
        const pr = new Reader(r.buf, r.pos, end);
        r.pos = end;
        const elemWire = f.kind === 'enum' ? 0 : PACKABLE_WIRE[f.type] ?? 0;
        while (pr.pos < pr.end) list.push(this.single(f, pr, elemWire));
        return;
      }
      list.push(this.single(f, r, wire));
      return;
    }
    const v = this.single(f, r, wire);
    if (f.kind === 'message' && out[f.name] !== undefined && typeof v === 'object' && v && !Array.isArray(v)) {
      out[f.name] = Object.freeze({ ...(out[f.name] as object), ...(v as object) }); // repeated occurrences merge
      this.reshaped = true;
    } else out[f.name] = v;
  }

  private single(f: FieldInfo, r: Reader, wire: number): unknown {
    if (f.kind === 'message') {
      if (wire !== 2) throw new WireError(`field ${f.name} expected wire type 2, got ${wire}`);
      const end = r.delimitedEnd();
      const v = this.message(f.type, r.buf, r.pos, end);
      r.pos = end;
      return v;
    }
    if (f.kind === 'enum') {
      const n = r.signedVarint();
      return this.schema.enumInfo(f.type)!.byNumber.get(n) ?? n;
    }
    return this.scalar(f.type, r, wire);
  }

  private scalar(type: string, r: Reader, wire: number): unknown {
    switch (type) {
      case 'string': return r.string();
      case 'bytes': return Buffer.from(r.bytes());
      case 'bool': return r.varint() !== 0;
      case 'double': return r.buf.readDoubleLE(r.fixed64());
      case 'float': return wire === 5 ? new DataView(Uint32Array.of(r.fixed32()).buffer).getFloat32(0, true) : r.buf.readDoubleLE(r.fixed64());
      case 'fixed32': return r.fixed32();
      case 'sfixed32': return r.fixed32() | 0;
      case 'fixed64': return Number(r.buf.readBigUInt64LE(r.fixed64()));
      case 'sfixed64': return Number(r.buf.readBigInt64LE(r.fixed64()));
      case 'int32': return r.signedVarint() | 0;
      case 'int64': return r.signedVarint();
      case 'sint32':
      case 'sint64': {
        const v = r.varint();
        return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
      }
      default: return r.varint(); // uint32, uint64
    }
  }
}

function valueToJson(v: Record<string, unknown>): unknown {
  if ('null_value' in v) return null;
  if ('number_value' in v) return v.number_value;
  if ('string_value' in v) return v.string_value;
  if ('bool_value' in v) return v.bool_value;
  if ('struct_value' in v) return v.struct_value; // already converted by message()
  if ('list_value' in v) return v.list_value;
  return null;
}

function structToJson(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const fields = (raw.fields ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(fields)) {
    // A plain store would set the prototype for this one key instead of adding it.
    if (k === '__proto__') Object.defineProperty(out, k, { value: fields[k], enumerable: true, writable: true, configurable: true });
    else out[k] = fields[k];
  }
  return out;
}

/** Anything else thrown while decoding (a Timestamp out of range, ...) is an issue, never a crash. */
function failed(sink: IssueSink, typeName: string, basePath: string, e: unknown): Result<Canonical> {
  sink.error(basePath, `cannot decode ${typeName}: ${e instanceof Error ? e.message : String(e)}`);
  return sink.result({});
}

/** The required/non-empty issues, when the bytes decoded: as found inline, or re-checked whole. */
function finishRules(schema: Schema, typeName: string, value: unknown, basePath: string, d: BinaryDecoder, sink: IssueSink, opts: BinaryDecodeOptions): void {
  if (value === undefined || sink.errors.length !== 0 || opts.skipRules) return;
  const issues = d.reshaped ? checkRules(schema, typeName, value, basePath) : d.ruleIssues;
  for (const i of issues) sink.error(i.path, i.message);
}

/** Decodes a binary message of type `typeName` into a frozen canonical tree. */
export function decodeBinary(
  schema: Schema,
  typeName: string,
  bytes: Uint8Array,
  opts: BinaryDecodeOptions = {},
  basePath = '',
): Result<Canonical> {
  const sink = new IssueSink();
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const d = new BinaryDecoder(schema, sink, opts, basePath);
  let value: unknown;
  try {
    value = d.message(typeName, buf, 0, buf.length);
  } catch (e) {
    return failed(sink, typeName, basePath, e);
  }
  finishRules(schema, typeName, value, basePath, d, sink, opts);
  return sink.result(deepFreeze((value ?? {}) as Canonical)); // frozen already but for a top-level scalar form
}

/**
 * decodeBinary for one big resource, in slices: the top-level message's fields are decoded one at a
 * time and `pause()` is awaited after each (it returns undefined while the slice lasts). A plain
 * message type only: well-known types and Any at the top level are decoded in one piece.
 */
export async function decodeBinarySliced(
  schema: Schema,
  typeName: string,
  bytes: Uint8Array,
  pause: () => Promise<void> | undefined,
  opts: BinaryDecodeOptions = {},
): Promise<Result<Canonical>> {
  if (typeName.startsWith('google.protobuf.')) return decodeBinary(schema, typeName, bytes, opts);
  const sink = new IssueSink();
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const d = new BinaryDecoder(schema, sink, opts, '');
  let value: unknown;
  try {
    value = await d.fieldsSliced(typeName, buf, pause);
  } catch (e) {
    return failed(sink, typeName, '', e);
  }
  finishRules(schema, typeName, value, '', d, sink, opts);
  return sink.result((value ?? {}) as Canonical);
}
