// Proto3 JSON mapping -> canonical form (see canonical.ts), as Envoy's JSON/YAML loader applies it:
// snake_case and lowerCamelCase keys, Durations as "1.5s", wrappers as bare values, Struct as plain
// JSON, Any with "@type", enums by name or number, 64-bit integers as strings or numbers.
// protobufjs' fromObject does not implement this mapping for the well-known types, hence this file.
import { Canonical, SPECIAL_JSON_TYPES, WRAPPER_TYPES, deepFreeze } from './canonical';
import { IssueSink, Result, joinPath } from './result';
import { FieldInfo, MessageInfo, Schema, typeNameOfUrl } from './schema/schema';
import { parseDurationMs } from './duration';
import { checkRules } from './proto-rules';

export interface DecodeOptions {
  /** Ignore unknown fields with a warning (Envoy's --allow-unknown-static-fields). */
  readonly allowUnknownFields?: boolean;
  /** Skip the required/non-empty rules: for a partial document merged before it is checked. */
  readonly skipRules?: boolean;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
const INTEGER_STRING = /^-?\d+$/;
const FLOAT_STRING = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function nullProtoObject(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}

class JsonDecoder {
  /** Inside a (udpa.annotations.sensitive) field (a private key, a password): values are never quoted in issues. */
  private sensitive = 0;

  private describe(v: unknown): string {
    if (this.sensitive > 0 && v !== null && typeof v !== 'object') return `a ${typeof v} (not shown: the field is sensitive)`;
    return describe(v);
  }

  constructor(
    private readonly schema: Schema,
    private readonly sink: IssueSink,
    private readonly opts: DecodeOptions,
  ) {}

  /** Decodes `v` as message type `typeName`, including the well-known types' special forms. */
  messageValue(typeName: string, v: unknown, path: string): unknown {
    if (SPECIAL_JSON_TYPES.has(typeName)) return this.wellKnown(typeName, v, path);
    if (typeName === 'google.protobuf.Any') return this.any(v, path);
    const info = this.schema.message(typeName);
    if (!info) {
      this.sink.error(path, `type ${typeName} is not in the schema`);
      return undefined;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.sink.error(path, `expected an object for ${typeName}, got ${this.describe(v)}`);
      return undefined;
    }
    return this.fields(info, v as Record<string, unknown>, path, undefined);
  }

  private fields(info: MessageInfo, obj: Record<string, unknown>, path: string, skip: string | undefined): Canonical {
    const out: Record<string, unknown> = {};
    const oneofSeen = new Map<string, string>();
    for (const key of Object.keys(obj)) {
      if (key === skip) continue;
      const fpath = joinPath(path, key);
      const f = info.byName.get(key);
      if (!f) {
        if (this.opts.allowUnknownFields) this.sink.warn(fpath, 'unknown field (ignored)');
        else this.sink.error(fpath, 'unknown field');
        continue;
      }
      const raw = obj[key];
      if (raw === null && f.type !== 'google.protobuf.Value') continue;
      if (f.name in out) {
        this.sink.error(fpath, `field given twice (as ${f.name} and ${f.jsonName})`);
        continue;
      }
      if (f.oneof) {
        const prev = oneofSeen.get(f.oneof);
        if (prev) {
          this.sink.error(fpath, `oneof '${f.oneof}' already set by ${prev}; give only one`);
          continue;
        }
        oneofSeen.set(f.oneof, key);
      }
      if (f.sensitive) this.sensitive++;
      const value = this.field(f, raw, fpath);
      if (f.sensitive) this.sensitive--;
      if (value !== undefined) out[f.name] = value;
    }
    return out;
  }

  private field(f: FieldInfo, raw: unknown, path: string): unknown {
    if (f.mapKey) {
      if (typeof raw !== 'object' || Array.isArray(raw)) {
        this.sink.error(path, `expected an object (map), got ${this.describe(raw)}`);
        return undefined;
      }
      const out = nullProtoObject();
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        const kp = `${path}[${k}]`;
        this.scalar(f.mapKey, k, kp, true);
        const dv = this.single(f, v, kp);
        if (dv !== undefined) out[k] = dv;
      }
      return out;
    }
    if (f.repeated) {
      if (!Array.isArray(raw)) {
        this.sink.error(path, `expected a list, got ${this.describe(raw)}`);
        return undefined;
      }
      const out: unknown[] = [];
      raw.forEach((v, i) => {
        const dv = this.single(f, v, `${path}[${i}]`);
        if (dv !== undefined) out.push(dv);
      });
      return out;
    }
    return this.single(f, raw, path);
  }

  private single(f: FieldInfo, v: unknown, path: string): unknown {
    switch (f.kind) {
      case 'scalar':
        return this.scalar(f.type, v, path, false);
      case 'enum':
        return this.enumValue(f.type, v, path);
      default:
        return this.messageValue(f.type, v, path);
    }
  }

  private enumValue(type: string, v: unknown, path: string): unknown {
    const e = this.schema.enumInfo(type)!;
    if (type === 'google.protobuf.NullValue') return null;
    if (typeof v === 'string') {
      if (e.byName.has(v)) return v;
      this.sink.error(path, `unknown value ${JSON.stringify(v)} for enum ${type}; expected one of ${[...e.byName.keys()].join(', ')}`);
      return undefined;
    }
    if (typeof v === 'number' && Number.isInteger(v)) return e.byNumber.get(v) ?? v;
    this.sink.error(path, `expected an enum name or number for ${type}, got ${this.describe(v)}`);
    return undefined;
  }

  /** Scalars per proto3 JSON; `asKey` parses a map key (always a string in JSON). */
  scalar(type: string, v: unknown, path: string, asKey: boolean): unknown {
    switch (type) {
      case 'string':
        if (typeof v === 'string') return v;
        break;
      case 'bool':
        if (typeof v === 'boolean') return v;
        if (asKey && (v === 'true' || v === 'false')) return v === 'true';
        break;
      case 'bytes':
        if (typeof v === 'string' && BASE64.test(v)) return Buffer.from(v, 'base64');
        if (typeof v === 'string') {
          this.sink.error(path, 'invalid base64 for a bytes field');
          return undefined;
        }
        break;
      case 'double':
      case 'float':
        if (typeof v === 'number') return v;
        if (typeof v === 'string') {
          if (v === 'NaN') return NaN;
          if (v === 'Infinity') return Infinity;
          if (v === '-Infinity') return -Infinity;
          if (FLOAT_STRING.test(v)) return Number(v);
        }
        break;
      default:
        return this.integer(type, v, path);
    }
    this.sink.error(path, `expected ${type}, got ${this.describe(v)}`);
    return undefined;
  }

  private integer(type: string, v: unknown, path: string): number | undefined {
    let n: number;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && INTEGER_STRING.test(v.trim())) n = Number(v.trim());
    else if (typeof v === 'string' && FLOAT_STRING.test(v) && Number.isInteger(Number(v))) n = Number(v);
    else {
      this.sink.error(path, `expected ${type}, got ${this.describe(v)}`);
      return undefined;
    }
    if (!Number.isInteger(n)) {
      this.sink.error(path, `expected an integer (${type}), got ${v}`);
      return undefined;
    }
    const unsigned = type.startsWith('uint') || type.startsWith('fixed');
    const is32 = type.endsWith('32');
    if ((unsigned && n < 0) || (is32 && (unsigned ? n > UINT32_MAX : n < INT32_MIN || n > INT32_MAX))) {
      this.sink.error(path, `${v} is out of range for ${type}`);
      return undefined;
    }
    return n;
  }

  private wellKnown(typeName: string, v: unknown, path: string): unknown {
    const inner = WRAPPER_TYPES.get(typeName);
    if (inner) {
      // Bare values per the mapping; `{value: x}` is accepted too since some tools emit it.
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'value' in v) v = (v as { value: unknown }).value;
      return this.scalar(inner, v, path, false);
    }
    switch (typeName) {
      case 'google.protobuf.Duration': {
        const ms = typeof v === 'string' ? parseDurationMs(v) : undefined;
        if (ms === undefined) this.sink.error(path, `invalid duration ${this.describe(v)}; write it as a string such as "1.5s"`);
        return ms;
      }
      case 'google.protobuf.Timestamp':
        if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
        this.sink.error(path, `invalid timestamp ${this.describe(v)}; use RFC 3339 such as "2024-01-02T03:04:05Z"`);
        return undefined;
      case 'google.protobuf.FieldMask':
        if (typeof v === 'string') return v === '' ? [] : v.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
        this.sink.error(path, `expected a field mask string such as "a.b,c", got ${this.describe(v)}`);
        return undefined;
      case 'google.protobuf.Struct':
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v;
        this.sink.error(path, `expected an object (Struct), got ${this.describe(v)}`);
        return undefined;
      case 'google.protobuf.ListValue':
        if (Array.isArray(v)) return v;
        this.sink.error(path, `expected a list (ListValue), got ${this.describe(v)}`);
        return undefined;
      default: // google.protobuf.Value: any JSON
        return v;
    }
  }

  private any(v: unknown, path: string): unknown {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.sink.error(path, `expected an object with "@type" (Any), got ${this.describe(v)}`);
      return undefined;
    }
    const obj = v as Record<string, unknown>;
    const url = obj['@type'];
    if (typeof url !== 'string' || !url.includes('/')) {
      this.sink.error(joinPath(path, '@type'), 'missing or invalid type URL; expected "type.googleapis.com/<full.message.Name>"');
      return undefined;
    }
    const typeName = typeNameOfUrl(url);
    if (!this.schema.hasMessage(typeName)) {
      // Not an Envoy type (e.g. Istio's stats.PluginConfig): kept as given; the extension
      // registry accepts it when registered, or rejects it unless the filter is optional.
      return { ...obj };
    }
    if (SPECIAL_JSON_TYPES.has(typeName)) {
      return { '@type': url, value: this.wellKnown(typeName, obj.value, joinPath(path, 'value')) };
    }
    const info = this.schema.message(typeName)!;
    return { '@type': url, ...this.fields(info, obj, path, '@type') };
  }
}

/** Decodes proto3 JSON (already parsed, e.g. from JSON or YAML) into a frozen canonical tree. */
export function decodeJson(
  schema: Schema,
  typeName: string,
  json: unknown,
  opts: DecodeOptions = {},
  basePath = '',
): Result<Canonical> {
  const sink = new IssueSink();
  const value = new JsonDecoder(schema, sink, opts).messageValue(typeName, json, basePath);
  if (!opts.skipRules && value !== undefined && sink.errors.length === 0) {
    for (const i of checkRules(schema, typeName, value, basePath)) sink.error(i.path, i.message);
  }
  return sink.result(deepFreeze((value ?? {}) as Canonical));
}
