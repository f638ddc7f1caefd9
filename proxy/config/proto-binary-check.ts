// Whether bytes would decode as a message type, without building anything: protobuf's "unpack"
// step. It reads exactly as decodeBinary (proto-binary.ts) does: the same Reader, the same read
// per field type (a double is read as eight bytes whatever the wire type says), map entries, packed
// lists, nested messages, known Any payloads and the same depth limit, so the two agree on every
// wire-level problem (test/proxy/config/proto-binary-check.test.ts mutates real resources to
// hold them to it). What only a decode sees (required/non-empty rules, a Timestamp out of range,
// unknown fields under --reject-unknown-dynamic-fields) is left to decodeBinary, which also says
// where a failed check went wrong: the check answers only yes or no.
//
// The xDS client checks each CDS and EDS resource of a response this way up front, so a
// malformed one still rejects the whole response as Envoy's unpack does, and decodes each only as
// it is applied: a 10,000-cluster push is decoded once, not twice.
import { MAX_DEPTH, PACKABLE_WIRE, Reader, readAny, WireError, fieldOf } from './proto-binary-reader';
import type { FieldInfo, MessageInfo, Schema } from './schema/schema';
import { typeNameOfUrl } from './schema/schema';

class WireCheck {
  constructor(private readonly schema: Schema) {}

  message(typeName: string, buf: Buffer, start: number, end: number, depth: number): void {
    if (depth >= MAX_DEPTH) throw new WireError('too deep');
    if (typeName === 'google.protobuf.Any') this.any(buf, start, end, depth + 1);
    else this.fields(this.info(typeName), buf, start, end, depth + 1);
  }

  private info(typeName: string): MessageInfo {
    const info = this.schema.message(typeName);
    if (info === undefined) throw new WireError(`type ${typeName} is not in the schema`);
    return info;
  }

  private any(buf: Buffer, start: number, end: number, depth: number): void {
    const { url, valueStart: vStart, valueEnd: vEnd } = readAny(buf, start, end);
    const typeName = typeNameOfUrl(url);
    if (!this.schema.hasMessage(typeName)) return; // kept as raw bytes by the decoder
    // As the decoder: a well-known type through message() (one level deeper), others in place.
    if (typeName.startsWith('google.protobuf.')) this.message(typeName, buf, vStart, vEnd, depth);
    else this.fields(this.info(typeName), buf, vStart, vEnd, depth);
  }

  private fields(info: MessageInfo, buf: Buffer, start: number, end: number, depth: number): void {
    const r = new Reader(buf, start, end);
    while (r.pos < r.end) {
      const tag = r.varint();
      const wire = tag & 7;
      const f = fieldOf(info, Math.floor(tag / 8));
      if (f === undefined) r.skip(wire);
      else if (f.mapKey !== undefined) this.mapEntry(f, r, depth);
      else if (f.repeated && wire === 2 && f.kind !== 'message' && f.type !== 'string' && f.type !== 'bytes') {
        const packedEnd = r.delimitedEnd();
        const pr = new Reader(buf, r.pos, packedEnd);
        r.pos = packedEnd;
        const elemWire = f.kind === 'enum' ? 0 : (PACKABLE_WIRE[f.type] ?? 0);
        while (pr.pos < pr.end) this.single(f, pr, elemWire, depth);
      } else this.single(f, r, wire, depth);
    }
  }

  /** A map entry: its key read first, then its value, as the decoder reads them. */
  private mapEntry(f: FieldInfo, r: Reader, depth: number): void {
    const end = r.delimitedEnd();
    const start = r.pos;
    r.pos = end;
    const kr = new Reader(r.buf, start, end);
    while (kr.pos < kr.end) {
      const tag = kr.varint();
      if (tag >> 3 === 1) this.scalar(f.mapKey!, kr, tag & 7);
      else kr.skip(tag & 7);
    }
    const vr = new Reader(r.buf, start, end);
    let sawValue = false;
    while (vr.pos < vr.end) {
      const tag = vr.varint();
      if (tag >> 3 === 2) {
        this.single(f, vr, tag & 7, depth);
        sawValue = true;
      } else vr.skip(tag & 7);
    }
    // A missing message value is decoded as an empty message (which needs its type).
    if (!sawValue && f.kind === 'message') this.message(f.type, r.buf, 0, 0, depth);
  }

  private single(f: FieldInfo, r: Reader, wire: number, depth: number): void {
    if (f.kind === 'message') {
      if (wire !== 2) throw new WireError(`field ${f.name} expected wire type 2, got ${wire}`);
      const end = r.delimitedEnd();
      this.message(f.type, r.buf, r.pos, end, depth);
      r.pos = end;
    } else if (f.kind === 'enum') r.varint();
    else this.scalar(f.type, r, wire);
  }

  private scalar(type: string, r: Reader, wire: number): void {
    switch (type) {
      case 'string':
      case 'bytes':
        r.pos = r.delimitedEnd();
        return;
      case 'double':
      case 'fixed64':
      case 'sfixed64':
        r.fixed64();
        return;
      case 'float':
        if (wire === 5) r.fixed32();
        else r.fixed64();
        return;
      case 'fixed32':
      case 'sfixed32':
        r.fixed32();
        return;
      default:
        r.varint(); // bool, int32, int64, uint32, uint64, sint32, sint64
    }
  }
}

/** True when `bytes` would decode as `typeName` with no wire-level issue (see the file comment). */
export function wireOk(schema: Schema, typeName: string, bytes: Buffer): boolean {
  try {
    new WireCheck(schema).message(typeName, bytes, 0, bytes.length, 0);
    return true;
  } catch (e) {
    if (e instanceof WireError) return false;
    throw e;
  }
}
