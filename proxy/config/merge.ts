// Protobuf MergeFrom on canonical trees: what Envoy does when --config-yaml is given with -c.
// Scalars and enums in `over` replace; messages merge field by field; repeated fields append;
// map entries replace by key; a oneof member in `over` clears its siblings.
import { Canonical, WRAPPER_TYPES, SPECIAL_JSON_TYPES } from './canonical';
import { Schema } from './schema/schema';

export function mergeCanonical(schema: Schema, typeName: string, base: Canonical, over: Canonical): Canonical {
  if (SPECIAL_JSON_TYPES.has(typeName) || WRAPPER_TYPES.has(typeName) || typeName === 'google.protobuf.Any') {
    return over;
  }
  const info = schema.message(typeName);
  if (!info) return over;
  const out: Record<string, unknown> = { ...base };
  for (const key of Object.keys(over)) {
    const f = info.byName.get(key);
    const ov = over[key];
    if (!f) {
      out[key] = ov;
      continue;
    }
    if (f.oneof) for (const g of info.fields) if (g.oneof === f.oneof && g.name !== f.name) delete out[g.name];
    const bv = out[key];
    if (bv === undefined) out[key] = ov;
    else if (f.mapKey) out[key] = Object.assign(Object.create(null), bv, ov);
    else if (f.repeated) out[key] = [...(bv as unknown[]), ...(ov as unknown[])];
    else if (f.kind === 'message') out[key] = mergeCanonical(schema, f.type, bv as Canonical, ov as Canonical);
    else out[key] = ov;
  }
  return Object.freeze(out);
}
