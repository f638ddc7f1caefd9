// The protobuf wire reader both binary readers share: decodeBinary (proto-binary.ts), which builds
// the canonical tree, and wireOk (proto-binary-check.ts), which only checks that it would build.
import type { FieldInfo, MessageInfo } from './schema/schema';

export class WireError extends Error {}

/** A forward-only reader over a range of one buffer. Nested messages are read in place, not copied. */
export class Reader {
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

  /** Reads a length prefix and returns where the field ends; `pos` is left at its first byte. */
  delimitedEnd(): number {
    const len = this.varint();
    if (this.pos + len > this.end) throw new WireError('length-delimited field runs past the end');
    return this.pos + len;
  }

  bytes(): Buffer {
    const end = this.delimitedEnd();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }

  string(): string {
    const end = this.delimitedEnd();
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** Checks 8 bytes are there and steps over them; returns where they start. */
  fixed64(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
    this.pos += 8;
    return this.pos - 8;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0: this.varint(); return;
      case 1: this.fixed64(); return;
      case 2: this.pos = this.delimitedEnd(); return;
      case 5: this.fixed32(); return;
      default: throw new WireError(`unsupported wire type ${wireType}`);
    }
  }
}

export const PACKABLE_WIRE: Record<string, number> = {
  double: 1, fixed64: 1, sfixed64: 1, float: 5, fixed32: 5, sfixed32: 5,
};

export const EMPTY = Buffer.alloc(0);

/** protobuf's default recursion limit: deeper input is malformed, not a stack overflow. */
export const MAX_DEPTH = 100;

/** The field numbered `num` of a message, by the dense array when it has one. */
export function fieldOf(info: MessageInfo, num: number): FieldInfo | undefined {
  const numbered = info.numbered;
  return num < numbered.length ? numbered[num] : numbered.length === 0 ? info.byNumber.get(num) : undefined;
}

/** An Any's fields where they sit: its type URL and the range of its packed value. */
export interface AnyParts {
  readonly url: string;
  readonly valueStart: number;
  readonly valueEnd: number;
}

/** Reads the Any in buf[start, end) (throws WireError); the last occurrence of each field wins. */
export function readAny(buf: Buffer, start: number, end: number): AnyParts {
  let url = '';
  let valueStart = 0;
  let valueEnd = 0;
  const r = new Reader(buf, start, end);
  while (r.pos < r.end) {
    const tag = r.varint();
    const num = Math.floor(tag / 8);
    if (num === 1 && (tag & 7) === 2) url = r.string();
    else if (num === 2 && (tag & 7) === 2) {
      valueEnd = r.delimitedEnd();
      valueStart = r.pos;
      r.pos = valueEnd;
    } else r.skip(tag & 7);
  }
  return { url, valueStart, valueEnd };
}
