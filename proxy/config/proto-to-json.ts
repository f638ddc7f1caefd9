// Canonical form -> proto3 JSON as Envoy's admin prints it (/config_dump): proto field names,
// default scalars omitted, 64-bit integers as strings, enums by name, Durations as "1.500s",
// and fields marked (udpa.annotations.sensitive) replaced by "[redacted]".
import { RAW_ANY, SPECIAL_JSON_TYPES, WRAPPER_TYPES } from './canonical';
import { formatDuration } from './duration';
import { FieldInfo, Schema, typeNameOfUrl } from './schema/schema';

export interface EncodeOptions {
  /** Print scalar fields that hold their default value (/server_info style). */
  readonly printDefaults?: boolean;
  readonly redactSensitive?: boolean;
}

const INT64_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const REDACTED = '[redacted]';

export class JsonEncoder {
  constructor(private readonly schema: Schema, private readonly opts: EncodeOptions = {}) {}

  message(typeName: string, v: unknown): unknown {
    if (v === undefined) return undefined;
    const wrapped = WRAPPER_TYPES.get(typeName);
    if (wrapped) return this.scalar(wrapped, v);
    if (SPECIAL_JSON_TYPES.has(typeName)) {
      switch (typeName) {
        case 'google.protobuf.Duration': return formatDuration(v as number);
        case 'google.protobuf.FieldMask':
          return (v as string[]).map((p) => p.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())).join(',');
        default: return v; // Timestamp string, Struct/Value/ListValue plain JSON
      }
    }
    if (typeName === 'google.protobuf.Any') return this.any(v as Record<string | symbol, unknown>);
    const info = this.schema.message(typeName);
    if (!info) return v;
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of info.fields) {
      const fv = obj[f.name];
      if (fv === undefined) continue;
      if (f.sensitive && this.opts.redactSensitive) {
        out[f.name] = this.redact(f, fv);
        continue;
      }
      if (!this.opts.printDefaults && !f.oneof && isDefault(f, fv)) continue;
      out[f.name] = this.field(f, fv);
    }
    return out;
  }

  private field(f: FieldInfo, v: unknown): unknown {
    if (f.mapKey) {
      const out: Record<string, unknown> = {};
      for (const [k, mv] of Object.entries(v as Record<string, unknown>)) out[k] = this.single(f, mv);
      return out;
    }
    if (f.repeated) return (v as unknown[]).map((e) => this.single(f, e));
    return this.single(f, v);
  }

  private single(f: FieldInfo, v: unknown): unknown {
    if (f.kind === 'message') return this.message(f.type, v);
    if (f.kind === 'enum') return v; // already a name (or an unknown number)
    return this.scalar(f.type, v);
  }

  private scalar(type: string, v: unknown): unknown {
    if (INT64_TYPES.has(type)) return String(v);
    if (type === 'bytes') return Buffer.isBuffer(v) ? v.toString('base64') : v;
    if ((type === 'double' || type === 'float') && typeof v === 'number' && !Number.isFinite(v)) {
      return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    }
    return v;
  }

  private any(v: Record<string | symbol, unknown>): unknown {
    const url = v['@type'] as string;
    const typeName = typeNameOfUrl(url);
    if (!this.schema.hasMessage(typeName)) {
      const raw = v[RAW_ANY];
      if (Buffer.isBuffer(raw)) return { '@type': url, value: raw.toString('base64') };
      return { ...v };
    }
    if (SPECIAL_JSON_TYPES.has(typeName)) return { '@type': url, value: this.message(typeName, v.value) };
    return { '@type': url, ...(this.message(typeName, v) as object) };
  }

  /** Envoy keeps the shape of a sensitive field but replaces every string and bytes leaf. */
  private redact(f: FieldInfo, v: unknown): unknown {
    const leaf = (x: unknown): unknown => {
      if (typeof x === 'string' || Buffer.isBuffer(x)) return REDACTED;
      if (Array.isArray(x)) return x.map(leaf);
      if (typeof x === 'object' && x !== null) {
        const out: Record<string, unknown> = {};
        for (const [k, e] of Object.entries(x)) out[k] = k === '@type' ? e : leaf(e);
        return out;
      }
      return x;
    };
    if (f.kind === 'message') return leaf(v);
    return f.type === 'string' || f.type === 'bytes' ? REDACTED : v;
  }
}

function isDefault(f: FieldInfo, v: unknown): boolean {
  if (f.mapKey) return Object.keys(v as object).length === 0;
  if (f.repeated) return (v as unknown[]).length === 0;
  if (f.kind === 'message') return false;
  if (f.kind === 'enum') return v === 0 || v === f.enumDefault;
  if (f.type === 'bytes') return Buffer.isBuffer(v) && v.length === 0;
  return v === 0 || v === false || v === '';
}

export function encodeJson(schema: Schema, typeName: string, v: unknown, opts?: EncodeOptions): unknown {
  return new JsonEncoder(schema, opts).message(typeName, v);
}
