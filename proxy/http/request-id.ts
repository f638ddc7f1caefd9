// x-request-id values: random (version 4) UUIDs cut from a pooled block of CSPRNG bytes and
// hex-formatted through a table into a scratch buffer that is read back as one latin1 string.
// crypto.randomUUID() pools its randomness the same way and costs about the same time, but builds
// the text from some twenty string concatenations: it was the largest allocation per request after
// the heads (~7% of the bytes), which the young-generation GC then pays for
// (bench/micro/h1-hot-path.ts).
import { randomFillSync } from 'node:crypto';
import { latin1 } from './h1/latin1';

const POOL = Buffer.allocUnsafe(16 * 256);
let offset = POOL.length;
const OUT = Buffer.allocUnsafe(36);
const HEX = Buffer.from('0123456789abcdef', 'latin1');

export function newRequestId(): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const p = POOL;
  const o = offset;
  offset += 16;
  let w = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) OUT[w++] = 0x2d;
    let b = p[o + i];
    if (i === 6) b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // RFC 4122 variant
    OUT[w++] = HEX[b >> 4];
    OUT[w++] = HEX[b & 15];
  }
  return latin1(OUT, 0, 36);
}
