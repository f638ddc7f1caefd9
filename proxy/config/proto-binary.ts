// Protobuf wire format -> the same canonical form proto-json.ts produces, driven by the compiled
// schema. This is how binary Any resources from a DiscoveryResponse join the path static config
// takes, so both are validated and modelled by the same code.
import { Canonical, RAW_ANY, WRAPPER_TYPES, deepFreeze } from './canonical';
import { durationMs } from './duration';
import { IssueSink, Result, joinPath } from './result';
import { checkRules } from './proto-rules';
import { FieldInfo, Schema, typeNameOfUrl } from './schema/schema';

export interface BinaryDecodeOptions {
  /** Reject unknown fields (Envoy's --reject-unknown-dynamic-fields); default: warn. */
  readonly rejectUnknownFields?: boolean;
  /** Skip the required/non-empty rules (see proto-rules.ts). */
  readonly skipRules?: boolean;
}

class WireError extends Error {}

/** A forward-only reader over one message's bytes. Bytes fields are views, not copies. */
class Reader {
  pos: number;
  constructor(readonly buf: Buffer, start: number, readonly end: number) {
    this.pos = start;
  }

  /** The low and high 32 bits of the last varint read, for signed 64-bit values. */
  private lo = 0;
  private hi = 0;

  varint(): number {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return this.hi * 4294967296 + this.lo;
      }
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** A varint as a two's-complement 64-bit signed number (negative int32/int64 use 10 bytes). */
  signedVarint(): number {
    const v = this.varint();
    if (this.hi < 0x80000000) return v;
    return -((~this.hi >>> 0) * 4294967296 + (~this.lo >>> 0) + 1);
  }

  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.end) throw new WireError('length-delimited field runs past the end');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  fixed64(): Buffer {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
    const b = this.buf.subarray(this.pos, this.pos + 8);
    this.pos += 8;
    return b;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); return;
      case 1: this.fixed64(); return;
      case 2: this.bytes(); return;
      case 5: this.fixed32(); return;
      default: throw new WireError(`unsupported wire type ${wireType}`);
    }
  }
}

const PACKABLE_WIRE: Record<string, number> = {
  double: 1, fixed64: 1, sfixed64: 1, float: 5, fixed32: 5, sfixed32: 5,
};

class BinaryDecoder {
  constructor(private readonly schema: Schema, private readonly sink: IssueSink, private readonly opts: BinaryDecodeOptions) {}

  message(typeName: string, buf: Buffer, path: string): unknown {
    const wrapped = WRAPPER_TYPES.get(typeName);
    const raw = this.fields(typeName, buf, path);
    if (raw === undefined) return undefined;
    if (wrapped) return raw.value ?? this.defaultScalar(wrapped);
    switch (typeName) {
      case 'google.protobuf.Duration':
        return durationMs(Number(raw.seconds ?? 0), Number(raw.nanos ?? 0));
      case 'google.protobuf.Timestamp':
        return new Date(Number(raw.seconds ?? 0) * 1000 + Math.floor(Number(raw.nanos ?? 0) / 1e6)).toISOString();
      case 'google.protobuf.FieldMask':
        return raw.paths ?? [];
      case 'google.protobuf.Struct':
        return structToJson(raw);
      case 'google.protobuf.Value':
        return valueToJson(raw);
      case 'google.protobuf.ListValue':
        return raw.values ?? []; // each element was converted as a Value already
      case 'google.protobuf.Any':
        return this.any(raw, path);
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

  private any(raw: Record<string, unknown>, path: string): unknown {
    const url = String(raw.type_url ?? '');
    const value = (raw.value as Buffer | undefined) ?? Buffer.alloc(0);
    const typeName = typeNameOfUrl(url);
    if (!this.schema.hasMessage(typeName)) return { '@type': url, [RAW_ANY]: value };
    const inner = this.message(typeName, value, path);
    if (inner === undefined) return undefined;
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner) || typeName.startsWith('google.protobuf.')) {
      return { '@type': url, value: inner };
    }
    return { '@type': url, ...(inner as object) };
  }

  /** Decodes the raw fields of one message (well-known types are converted by the caller). */
  private fields(typeName: string, buf: Buffer, path: string): Record<string, unknown> | undefined {
    const info = this.schema.message(typeName);
    if (!info) {
      this.sink.error(path, `type ${typeName} is not in the schema`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    const r = new Reader(buf, 0, buf.length);
    try {
      while (r.pos < r.end) {
        const tag = r.varint();
        const num = Math.floor(tag / 8);
        const wire = tag & 7;
        const f = info.byNumber.get(num);
        if (!f) {
          const msg = `unknown field number ${num} in ${typeName}`;
          if (this.opts.rejectUnknownFields) this.sink.error(path, msg);
          else this.sink.warn(path, msg);
          r.skip(wire);
          continue;
        }
        if (f.oneof) {
          // The last member of a oneof on the wire wins: drop an earlier sibling.
          for (const k of Object.keys(out)) if (k !== f.name && info.byName.get(k)?.oneof === f.oneof) delete out[k];
        }
        this.field(f, r, wire, out, joinPath(path, f.name));
      }
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      this.sink.error(path, `malformed ${typeName}: ${e.message}`);
      return undefined;
    }
    return out;
  }

  private field(f: FieldInfo, r: Reader, wire: number, out: Record<string, unknown>, path: string): void {
    if (f.mapKey) {
      const entry = r.bytes();
      const er = new Reader(entry, 0, entry.length);
      let key: unknown = f.mapKey === 'string' ? '' : 0;
      let value: unknown;
      while (er.pos < er.end) {
        const tag = er.varint();
        if (tag >> 3 === 1) key = this.scalar(f.mapKey, er, tag & 7);
        else if (tag >> 3 === 2) value = this.single(f, er, tag & 7, path);
        else er.skip(tag & 7);
      }
      const map = (out[f.name] ??= Object.create(null)) as Record<string, unknown>;
      map[String(key)] = value ?? (f.kind === 'message' ? this.message(f.type, Buffer.alloc(0), path) : undefined);
      return;
    }
    if (f.repeated) {
      const list = (out[f.name] ??= []) as unknown[];
      if (wire === 2 && f.kind !== 'message' && f.type !== 'string' && f.type !== 'bytes') {
        const packed = r.bytes();
        const pr = new Reader(packed, 0, packed.length);
        const elemWire = f.kind === 'enum' ? 0 : PACKABLE_WIRE[f.type] ?? 0;
        while (pr.pos < pr.end) list.push(this.single(f, pr, elemWire, path));
        return;
      }
      list.push(this.single(f, r, wire, path));
      return;
    }
    const v = this.single(f, r, wire, path);
    if (f.kind === 'message' && out[f.name] !== undefined && typeof v === 'object' && v && !Array.isArray(v)) {
      out[f.name] = { ...(out[f.name] as object), ...(v as object) }; // repeated occurrences merge
    } else out[f.name] = v;
  }

  private single(f: FieldInfo, r: Reader, wire: number, path: string): unknown {
    if (f.kind === 'message') {
      if (wire !== 2) throw new WireError(`field ${f.name} expected wire type 2, got ${wire}`);
      return this.message(f.type, r.bytes(), path);
    }
    if (f.kind === 'enum') {
      const n = r.signedVarint();
      return this.schema.enumInfo(f.type)!.byNumber.get(n) ?? n;
    }
    return this.scalar(f.type, r, wire);
  }

  private scalar(type: string, r: Reader, wire: number): unknown {
    switch (type) {
      case 'string': return r.bytes().toString('utf8');
      case 'bytes': return Buffer.from(r.bytes());
      case 'bool': return r.varint() !== 0;
      case 'double': return r.fixed64().readDoubleLE(0);
      case 'float': return wire === 5 ? new DataView(Uint32Array.of(r.fixed32()).buffer).getFloat32(0, true) : r.fixed64().readDoubleLE(0);
      case 'fixed32': return r.fixed32();
      case 'sfixed32': return r.fixed32() | 0;
      case 'fixed64': return Number(r.fixed64().readBigUInt64LE(0));
      case 'sfixed64': return Number(r.fixed64().readBigInt64LE(0));
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
  for (const k of Object.keys(fields)) Object.defineProperty(out, k, { value: fields[k], enumerable: true, writable: true, configurable: true });
  return out;
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
  const value = new BinaryDecoder(schema, sink, opts).message(typeName, buf, basePath);
  if (!opts.skipRules && value !== undefined && sink.errors.length === 0) {
    for (const i of checkRules(schema, typeName, value, basePath)) sink.error(i.path, i.message);
  }
  return sink.result(deepFreeze((value ?? {}) as Canonical));
}
