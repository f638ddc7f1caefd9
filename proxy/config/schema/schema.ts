// Runtime view of generated/envoy-schema.json. The file is read once; a message's field tables
// are built the first time that message is decoded, so start-up pays only for what the config uses.
// Its text is kept and each message's tuples are parsed from it on first use: parsing all 1,200
// messages up front cost ~1 MB of heap (arrays of tuples) and ~5 ms for the few dozen a config uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../common/package-root';
import { FieldFlag, FieldTuple, SCHEMA_FORMAT, SchemaFile } from './schema-format';

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
  /** For oneof members: the names of the oneof's other members. */
  readonly oneofSiblings?: readonly string[];
}

export interface MessageInfo {
  readonly name: string;
  readonly fields: readonly FieldInfo[];
  /** By proto name and by lowerCamelCase JSON name. */
  readonly byName: ReadonlyMap<string, FieldInfo>;
  readonly byNumber: ReadonlyMap<number, FieldInfo>;
  /**
   * byNumber as an array indexed by field number, for the binary decoder's per-field lookup; empty
   * when the highest number is too big for a dense array (then byNumber serves).
   */
  readonly numbered: readonly (FieldInfo | undefined)[];
  /** The fields with a required or non-empty rule (proto-rules.ts), in number order. */
  readonly ruleFields: readonly FieldInfo[];
}

/** The highest field number a MessageInfo keeps a dense `numbered` array for. */
const DENSE_FIELD_NUMBERS = 1024;

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

/** Where each message's tuples are: `messages` parsed, or spans of the file's text to parse on demand. */
interface MessageSource {
  has(name: string): boolean;
  tuples(name: string): FieldTuple[] | undefined;
}

function parsedMessages(messages: Record<string, FieldTuple[]>): MessageSource {
  return { has: (name) => name in messages, tuples: (name) => messages[name] };
}

/**
 * `"messages":{"a.b.C":[[...],...],...}` indexed by name -> [start, end) of its tuples in `text`,
 * with indexOf rather than a character loop (this runs once, before anything is optimised). It
 * relies on what the generator writes: JSON.stringify without whitespace, and tuples of proto
 * identifiers and numbers, which hold no quote or bracket. Anything else throws, and the caller
 * parses the whole file instead.
 */
function lazyMessages(text: string): { source: MessageSource; end: number } {
  const key = '"messages":{';
  let i = text.indexOf(key);
  if (i < 0) throw new Error('envoy schema: no messages');
  i += key.length;
  const spans = new Map<string, number>();
  const starts: number[] = [];
  const ends: number[] = [];
  while (text.charCodeAt(i) !== 125 /* } */) {
    if (text.charCodeAt(i) === 44 /* , */ && starts.length > 0) i++;
    const nameEnd = text.indexOf('"', i + 1);
    const start = nameEnd + 2; // past '":'
    const end = text.startsWith('[]', start) ? start + 2 : text.indexOf(']]', start) + 2;
    if (text.charCodeAt(i) !== 34 /* " */ || nameEnd < 0 || text.charCodeAt(nameEnd + 1) !== 58 /* : */ ||
        text.charCodeAt(start) !== 91 /* [ */ || end < start + 2) {
      throw new Error(`envoy schema: unexpected text at ${i}`);
    }
    spans.set(text.slice(i + 1, nameEnd), starts.length);
    starts.push(start);
    ends.push(end);
    i = end;
  }
  return {
    source: {
      has: (name) => spans.has(name),
      tuples(name) {
        const k = spans.get(name);
        return k === undefined ? undefined : (JSON.parse(text.slice(starts[k], ends[k])) as FieldTuple[]);
      },
    },
    end: i + 1,
  };
}

export class Schema {
  private readonly messages = new Map<string, MessageInfo>();
  private readonly enums = new Map<string, EnumInfo>();
  private readonly source: MessageSource;
  private readonly enumValues: Record<string, Record<string, number>>;

  constructor(file: SchemaFile);
  constructor(file: Omit<SchemaFile, 'messages'>, source: MessageSource);
  constructor(file: SchemaFile | Omit<SchemaFile, 'messages'>, source?: MessageSource) {
    if (file.format !== SCHEMA_FORMAT) {
      throw new Error(`envoy schema format ${file.format} != ${SCHEMA_FORMAT}: run 'npm run build' again`);
    }
    this.source = source ?? parsedMessages((file as SchemaFile).messages);
    this.enumValues = file.enums;
  }

  /** The generated file's text, messages parsed on first use (all at once if the text is not as written). */
  static fromText(text: string): Schema {
    let lazy: ReturnType<typeof lazyMessages>;
    try {
      lazy = lazyMessages(text);
    } catch {
      return new Schema(JSON.parse(text) as SchemaFile);
    }
    // The rest (format, enums) is small and parsed now.
    const before = text.slice(1, text.indexOf('"messages":{')).replace(/,$/, '');
    let after = text.slice(lazy.end);
    if (before === '' && after.startsWith(',')) after = after.slice(1);
    return new Schema(JSON.parse(`{${before}${after}`) as Omit<SchemaFile, 'messages'>, lazy.source);
  }

  hasMessage(name: string): boolean {
    return this.source.has(name);
  }

  isEnum(name: string): boolean {
    return name in this.enumValues;
  }

  message(name: string): MessageInfo | undefined {
    let m = this.messages.get(name);
    if (m) return m;
    const tuples = this.source.tuples(name);
    if (!tuples) return undefined;
    const fields: FieldInfo[] = [];
    const byName = new Map<string, FieldInfo>();
    const byNumber = new Map<number, FieldInfo>();
    const oneofs = new Map<string, string[]>();
    for (const [fname, , , , oneof] of tuples) if (oneof) oneofs.set(oneof, [...(oneofs.get(oneof) ?? []), fname]);
    for (const [fname, num, type, kindStr, oneof, flags] of tuples) {
      const isMap = kindStr.startsWith('map:');
      const kind = SCALARS.has(type) ? 'scalar' : type in this.enumValues ? 'enum' : 'message';
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
        enumDefault: kind === 'enum' ? Object.entries(this.enumValues[type]).find(([, n]) => n === 0)?.[0] : undefined,
        oneofSiblings: oneof ? oneofs.get(oneof)!.filter((n) => n !== fname) : undefined,
      };
      fields.push(f);
      byName.set(fname, f);
      byName.set(f.jsonName, f);
      byNumber.set(num, f);
    }
    // Envoy's JSON printer walks fields in number order; so does /config_dump here.
    fields.sort((a, b) => a.number - b.number);
    const maxNumber = fields.length ? fields[fields.length - 1].number : 0;
    const numbered: (FieldInfo | undefined)[] = [];
    if (maxNumber <= DENSE_FIELD_NUMBERS) {
      for (let i = 0; i <= maxNumber; i++) numbered.push(undefined);
      for (const f of fields) numbered[f.number] = f;
    }
    m = { name, fields, byName, byNumber, numbered, ruleFields: fields.filter((f) => f.required || f.nonEmpty) };
    this.messages.set(name, m);
    return m;
  }

  enumInfo(name: string): EnumInfo | undefined {
    let e = this.enums.get(name);
    if (e) return e;
    const values = this.enumValues[name];
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
  shared = Schema.fromText(text);
  return shared;
}

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** `type.googleapis.com/a.b.C` -> `a.b.C` (any host prefix up to the last '/'). */
export function typeNameOfUrl(url: string): string {
  const i = url.lastIndexOf('/');
  return i >= 0 ? url.slice(i + 1) : url;
}
