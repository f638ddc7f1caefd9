// A short digest of a canonical config subtree, to tell an unchanged cluster (CDS pushes the same
// resource again) from a changed one without keeping the text around. The decoders emit fields
// in a stable order (schema order for JSON, wire order for binary), so plain JSON text is used;
// `stableKeySorted` ignores key order when a caller cannot rely on that. A false "changed" only
// costs an update that keeps everything anyway.
import { createHash } from 'node:crypto';

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

export function stableKeySorted(v: unknown): string {
  const parts: string[] = [];
  write(v, parts);
  return createHash('sha1').update(parts.join('')).digest('base64');
}

export function stableKey(v: unknown): string {
  return createHash('sha1').update(JSON.stringify(v) ?? 'undefined').digest('base64');
}
