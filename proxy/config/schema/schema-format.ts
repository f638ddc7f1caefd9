// The on-disk shape of generated/envoy-schema.json, shared by the generator and the loader.
export const SCHEMA_FORMAT = 1;

export const enum FieldFlag {
  Required = 1, // (validate.rules).message.required
  NonEmpty = 2, // string min_len / repeated min_items
  Deprecated = 4,
  Sensitive = 8, // (udpa.annotations.sensitive): redacted in /config_dump
}

/** [name, number, type, kind ('' | 'r' | 'map:<keyType>'), oneof name or '', flags] */
export type FieldTuple = [string, number, string, string, string, number];

export interface SchemaFile {
  format: number;
  messages: Record<string, FieldTuple[]>;
  enums: Record<string, Record<string, number>>;
}
