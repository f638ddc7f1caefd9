// xxHash64 (seed 0), the hash Envoy's hash_policy feeds to ring-hash and Maglev load balancers.
// Computed with BigInt over UTF-8 bytes; only routes with a hash_policy pay for it.
const M64 = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

function rotl(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M64;
}
function round(acc: bigint, input: bigint): bigint {
  acc = (acc + input * P2) & M64;
  acc = rotl(acc, 31n);
  return (acc * P1) & M64;
}
function merge(acc: bigint, val: bigint): bigint {
  acc ^= round(0n, val);
  return (acc * P1 + P4) & M64;
}

export function xxHash64(input: string | Buffer, seed = 0n): bigint {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const len = b.length;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M64;
    let v2 = (seed + P2) & M64;
    let v3 = seed;
    let v4 = (seed - P1) & M64;
    while (p <= len - 32) {
      v1 = round(v1, b.readBigUInt64LE(p));
      v2 = round(v2, b.readBigUInt64LE(p + 8));
      v3 = round(v3, b.readBigUInt64LE(p + 16));
      v4 = round(v4, b.readBigUInt64LE(p + 24));
      p += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M64;
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else h = (seed + P5) & M64;
  h = (h + BigInt(len)) & M64;
  while (p + 8 <= len) {
    h ^= round(0n, b.readBigUInt64LE(p));
    h = (rotl(h, 27n) * P1 + P4) & M64;
    p += 8;
  }
  if (p + 4 <= len) {
    h ^= (BigInt(b.readUInt32LE(p)) * P1) & M64;
    h = (rotl(h, 23n) * P2 + P3) & M64;
    p += 4;
  }
  while (p < len) {
    h ^= (BigInt(b[p]) * P5) & M64;
    h = (rotl(h, 11n) * P1) & M64;
    p++;
  }
  h ^= h >> 33n;
  h = (h * P2) & M64;
  h ^= h >> 29n;
  h = (h * P3) & M64;
  h ^= h >> 32n;
  return h;
}
