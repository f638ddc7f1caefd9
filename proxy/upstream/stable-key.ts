// A short digest of a canonical config subtree, to tell an unchanged cluster (CDS pushes the same
// resource again) from a changed one without keeping the text around. The decoders emit fields
// in a stable order (schema order for JSON, wire order for binary), so plain JSON text is used;
// `stableKeySorted` ignores key order when a caller cannot rely on that. A false "changed" only
// costs an update that keeps everything anyway. The digest is two independent 32-bit string hashes
// plus the length (not SHA-1 through node:crypto, whose per-call setup cost a 10,000-cluster CDS
// push ~25 µs per cluster); control-plane input is trusted, so resistance to crafted collisions
// is not needed, and 64 bits make an accidental one (an update taken for "unchanged") negligible.

function write(v: unknown, out: string[]): void {
  if (v === null || v === undefined) {
    out.push('null');
  } else if (Buffer.isBuffer(v)) {
    out.push(`b:${v.toString('base64')}`);
  } else if (Array.isArray(v)) {
    out.push('[');
    for (const e of v) {
      write(e, out);
      out.push(',');
    }
    out.push(']');
  } else if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    out.push('{');
    for (const k of Object.keys(o).sort()) {
      out.push(JSON.stringify(k), ':');
      write(o[k], out);
      out.push(',');
    }
    out.push('}');
  } else {
    out.push(JSON.stringify(v));
  }
}

/** FNV-1a and a multiply-rotate hash over the UTF-16 code units, with the length. */
export function digest(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 = (h2 << 13) | (h2 >>> 19);
  }
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b);
  h2 = Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  return `${text.length.toString(36)}:${(h1 >>> 0).toString(36)}:${(h2 >>> 0).toString(36)}`;
}

export function stableKeySorted(v: unknown): string {
  const parts: string[] = [];
  write(v, parts);
  return digest(parts.join(''));
}

export function stableKey(v: unknown): string {
  return digest(JSON.stringify(v) ?? 'undefined');
}
