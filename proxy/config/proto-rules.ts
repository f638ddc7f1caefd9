// The protoc-gen-validate rules Envoy relies on most (required messages, non-empty strings and
// lists), checked on a whole canonical tree. Kept apart from decoding so that a partial document
// such as --config-yaml is checked only after it is merged, as Envoy validates the merged result.
import { isAny } from './canonical';
import { ConfigIssue, joinPath } from './result';
import { Schema, typeNameOfUrl } from './schema/schema';

export function checkRules(schema: Schema, typeName: string, value: unknown, basePath = ''): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (type: string, v: unknown, path: string): void => {
    if (typeof v !== 'object' || v === null || Buffer.isBuffer(v)) return;
    if (type === 'google.protobuf.Any') {
      if (isAny(v)) {
        const inner = typeNameOfUrl(v['@type']);
        if (schema.hasMessage(inner) && !inner.startsWith('google.protobuf.')) walk(inner, v, path);
      }
      return;
    }
    if (type.startsWith('google.protobuf.')) return;
    const info = schema.message(type);
    if (!info) return;
    const obj = v as Record<string, unknown>;
    for (const f of info.fields) {
      const fv = obj[f.name];
      const fpath = joinPath(path, f.name);
      if (f.required || f.nonEmpty) {
        if (!(f.oneof && fv === undefined)) {
          if (f.required && fv === undefined) issues.push({ path: fpath, message: 'value is required' });
          else if (f.nonEmpty && (fv === undefined || fv === '' || (Array.isArray(fv) && fv.length === 0))) {
            issues.push({ path: fpath, message: f.repeated ? 'must have at least 1 item' : 'value must not be empty' });
          }
        }
      }
      if (fv === undefined || f.kind !== 'message') continue;
      if (f.mapKey) for (const [k, e] of Object.entries(fv as object)) walk(f.type, e, `${fpath}[${k}]`);
      else if (f.repeated) (fv as unknown[]).forEach((e, i) => walk(f.type, e, `${fpath}[${i}]`));
      else walk(f.type, fv, fpath);
    }
  };
  walk(typeName, value, basePath);
  return issues;
}
