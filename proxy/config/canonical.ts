// The canonical form of a decoded protobuf message: the one shape that static JSON/YAML config
// and binary xDS resources both become, so that every model builder has a single input.
//
// - plain frozen objects keyed by proto field names (snake_case); only present fields appear
// - repeated -> arrays, maps -> plain objects
// - all integer and float types -> number (64-bit values above 2^53 lose precision, as in JS)
// - enums -> value name; bytes -> Buffer; bool, string as is
// - google.protobuf.Duration -> milliseconds (number); Timestamp -> RFC 3339 string
// - wrapper types -> the bare value; Struct/Value/ListValue -> plain JSON; FieldMask -> string[]
// - google.protobuf.Any -> { '@type': url, ...canonical fields of the packed message };
//   a packed type the schema does not know keeps its JSON fields as given (binary: RAW_ANY bytes)
//   so that the extension registry, not the decoder, decides whether it is acceptable.

export type Canonical = { readonly [field: string]: unknown };

export interface CanonicalAny extends Canonical {
  readonly '@type': string;
}

/** Holds the packed bytes of a binary Any whose type the schema does not know. */
export const RAW_ANY = Symbol.for('tsenvoy.rawAny');

export const WRAPPER_TYPES: ReadonlyMap<string, string> = new Map([
  ['google.protobuf.DoubleValue', 'double'],
  ['google.protobuf.FloatValue', 'float'],
  ['google.protobuf.Int64Value', 'int64'],
  ['google.protobuf.UInt64Value', 'uint64'],
  ['google.protobuf.Int32Value', 'int32'],
  ['google.protobuf.UInt32Value', 'uint32'],
  ['google.protobuf.BoolValue', 'bool'],
  ['google.protobuf.StringValue', 'string'],
  ['google.protobuf.BytesValue', 'bytes'],
]);

/** Types whose proto3 JSON form is not an object of their fields. */
export const SPECIAL_JSON_TYPES: ReadonlySet<string> = new Set([
  ...WRAPPER_TYPES.keys(),
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
  'google.protobuf.FieldMask',
  'google.protobuf.Struct',
  'google.protobuf.Value',
  'google.protobuf.ListValue',
]);

export function isAny(v: unknown): v is CanonicalAny {
  return typeof v === 'object' && v !== null && typeof (v as CanonicalAny)['@type'] === 'string';
}

/** Deep-freezes a freshly decoded tree (Buffers are left as they are). */
export function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v) || Object.isFrozen(v)) return v;
  for (const k of Object.keys(v as object)) deepFreeze((v as Record<string, unknown>)[k]);
  return Object.freeze(v);
}
