// Runtime view of generated/envoy-schema.json. The file is read once; a message's field tables
// are built the first time that message is decoded, so start-up pays only for what the config uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../common/package-root';
import { FieldFlag, SCHEMA_FORMAT, SchemaFile } from './schema-format';

export type ScalarType =
  | 'double' | 'float' | 'int32' | 'int64' | 'uint32' | 'uint64' | 'sint32' | 'sint64'
  | 'fixed32' | 'fixed64' | 'sfixed32' | 'sfixed64' | 'bool' | 'string' | 'bytes';

const SCALARS = new Set<string>([
  'double', 'float', 'int32', 'int64', 'uint32', 'uint64', 'sint32', 'sint64',
  'fixed32', 'fixed64', 'sfixed32', 'sfixed64', 'bool', 'string', 'bytes',
]);

export interface FieldInfo {
  readonly name: string;
  readonly jsonName: string;
  readonly number: number;
  /** Scalar type name, or the full name of a message or enum. */
  readonly type: string;
  readonly kind: 'scalar' | 'enum' | 'message';
  readonly repeated: boolean;
  /** Map key scalar type when the field is a map. */
  readonly mapKey?: ScalarType;
  readonly oneof?: string;
  readonly required: boolean;
  readonly nonEmpty: boolean;
  readonly sensitive: boolean;
  /** For enum fields: the name of value 0, which proto3 JSON printers omit. */
  readonly enumDefault?: string;
}

export interface MessageInfo {
  readonly name: string;
  readonly fields: readonly FieldInfo[];
  /** By proto name and by lowerCamelCase JSON name. */
  readonly byName: ReadonlyMap<string, FieldInfo>;
  readonly byNumber: ReadonlyMap<number, FieldInfo>;
}

export interface EnumInfo {
  readonly name: string;
  readonly byName: ReadonlyMap<string, number>;
  readonly byNumber: ReadonlyMap<number, string>;
}

/** protoc's json_name: drop underscores and upper-case the letter after each. */
export function jsonNameOf(protoName: string): string {
  let out = '';
  let upper = false;
  for (const ch of protoName) {
    if (ch === '_') upper = true;
    else {
      out += upper ? ch.toUpperCase() : ch;
      upper = false;
    }
  }
  return out;
}

export class Schema {
  private readonly messages = new Map<string, MessageInfo>();
  private readonly enums = new Map<string, EnumInfo>();

  constructor(private readonly file: SchemaFile) {
    if (file.format !== SCHEMA_FORMAT) {
      throw new Error(`envoy schema format ${file.format} != ${SCHEMA_FORMAT}: run 'npm run build' again`);
    }
  }

  hasMessage(name: string): boolean {
    return name in this.file.messages;
  }

  isEnum(name: string): boolean {
    return name in this.file.enums;
  }

  message(name: string): MessageInfo | undefined {
    let m = this.messages.get(name);
    if (m) return m;
    const tuples = this.file.messages[name];
    if (!tuples) return undefined;
    const fields: FieldInfo[] = [];
    const byName = new Map<string, FieldInfo>();
    const byNumber = new Map<number, FieldInfo>();
    for (const [fname, num, type, kindStr, oneof, flags] of tuples) {
      const isMap = kindStr.startsWith('map:');
      const kind = SCALARS.has(type) ? 'scalar' : type in this.file.enums ? 'enum' : 'message';
      const f: FieldInfo = {
        name: fname,
        jsonName: jsonNameOf(fname),
        number: num,
        type,
        kind,
        repeated: kindStr === 'r',
        mapKey: isMap ? (kindStr.slice(4) as ScalarType) : undefined,
        oneof: oneof || undefined,
        required: (flags & FieldFlag.Required) !== 0,
        nonEmpty: (flags & FieldFlag.NonEmpty) !== 0,
        sensitive: (flags & FieldFlag.Sensitive) !== 0,
        enumDefault: kind === 'enum' ? Object.entries(this.file.enums[type]).find(([, n]) => n === 0)?.[0] : undefined,
      };
      fields.push(f);
      byName.set(fname, f);
      byName.set(f.jsonName, f);
      byNumber.set(num, f);
    }
    // Envoy's JSON printer walks fields in number order; so does /config_dump here.
    fields.sort((a, b) => a.number - b.number);
    m = { name, fields, byName, byNumber };
    this.messages.set(name, m);
    return m;
  }

  enumInfo(name: string): EnumInfo | undefined {
    let e = this.enums.get(name);
    if (e) return e;
    const values = this.file.enums[name];
    if (!values) return undefined;
    const byName = new Map<string, number>();
    const byNumber = new Map<number, string>();
    for (const [k, v] of Object.entries(values)) {
      byName.set(k, v);
      if (!byNumber.has(v)) byNumber.set(v, k);
    }
    e = { name, byName, byNumber };
    this.enums.set(name, e);
    return e;
  }
}

let shared: Schema | undefined;

/** The schema compiled at build time from @grpc/grpc-js-xds's protos. */
export function envoySchema(): Schema {
  if (shared) return shared;
  const file = path.join(packageRoot(), 'generated', 'envoy-schema.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`missing ${file}: run 'npm run build' (it compiles Envoy's protos into that schema)`);
  }
  shared = new Schema(JSON.parse(text) as SchemaFile);
  return shared;
}

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** `type.googleapis.com/a.b.C` -> `a.b.C` (any host prefix up to the last '/'). */
export function typeNameOfUrl(url: string): string {
  const i = url.lastIndexOf('/');
  return i >= 0 ? url.slice(i + 1) : url;
}
