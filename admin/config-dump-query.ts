/**
 * /config_dump's `resource=`, `mask=` and `name_regex=` over the component dumps the proxy encoded,
 * with Envoy's ConfigDumpHandler rules and messages:
 * - name_regex (full match) drops the entries whose resource name does not match (an unset name
 *   is ""); the bootstrap has no named entries and is never filtered;
 * - resource picks the first component that has a field of that name: it must be a repeated
 *   message field, its entries become the configs (each typed as its element message), and a mask
 *   applies to every entry, reaching one level into the entry's Any (`cluster.name`);
 * - mask alone applies to each component it fits; components it does not fit are left out.
 */
import { fieldMaskDebugString, FieldLookup, isObject, maskFits, parseFieldMask, pathFits, trimJson } from './field-mask';

const TYPE_PREFIX = 'type.googleapis.com/';
const ANY = 'google.protobuf.Any';

export interface ConfigDumpQuery {
  readonly resource?: string;
  readonly mask?: string;
  /** Whole-name match of a resource name; undefined keeps everything. */
  readonly nameMatches?: (name: string) => boolean;
}

export type ConfigDumpAnswer =
  | { readonly ok: true; readonly body: Record<string, unknown> }
  | { readonly ok: false; readonly status: 400 | 404; readonly message: string };

export function queryConfigDump(
  dumps: readonly object[],
  q: ConfigDumpQuery,
  lookup: FieldLookup,
): ConfigDumpAnswer {
  const components = dumps.map((d) => (q.nameMatches ? filterByName(d as Record<string, unknown>, q.nameMatches) : d));
  if (q.resource !== undefined) return byResource(components, q.resource, q.mask, lookup);
  if (q.mask !== undefined) {
    const paths = parseFieldMask(q.mask);
    const configs: object[] = [];
    for (const c of components) {
      const type = typeNameOf(c);
      if (type === undefined || !maskFits(lookup, type, paths)) continue;
      configs.push(trimJson(c as Record<string, unknown>, paths));
    }
    if (configs.length === 0) {
      return { ok: false, status: 400, message: `FieldMask ${q.mask} could not be successfully applied to any configs.` };
    }
    return { ok: true, body: { configs } };
  }
  return { ok: true, body: components.length === 0 ? {} : { configs: components } };
}

function byResource(
  components: readonly object[],
  resource: string,
  mask: string | undefined,
  lookup: FieldLookup,
): ConfigDumpAnswer {
  const paths = mask === undefined ? undefined : parseFieldMask(mask);
  for (const c of components) {
    const type = typeNameOf(c);
    if (type === undefined) continue;
    const field = lookup(type, resource);
    if (!field) continue;
    if (!field.repeated) {
      return {
        ok: false,
        status: 400,
        message: `${resource} is not a repeated field. Use ?mask=${resource} to get only this field`,
      };
    }
    if (!field.messageType) return { ok: false, status: 400, message: `${resource} is not a repeated message field` };
    const elementType = field.messageType;
    const raw = (c as Record<string, unknown>)[resource];
    const entries = Array.isArray(raw) ? raw.filter(isObject) : [];
    const configs: object[] = [];
    for (const e of entries) {
      let entry: Record<string, unknown> | undefined = e;
      if (paths) {
        entry = trimResource(lookup, elementType, e, paths);
        if (!entry) {
          return {
            ok: false,
            status: 400,
            message: `FieldMask ${fieldMaskDebugString(paths)} could not be successfully used.`,
          };
        }
      }
      configs.push({ '@type': TYPE_PREFIX + elementType, ...entry });
    }
    return { ok: true, body: configs.length === 0 ? {} : { configs } };
  }
  return { ok: false, status: 404, message: `${resource} not found in config dump` };
}

/**
 * Envoy's trimResourceMessage: paths starting at a singular Any field are split into an outer
 * path (the Any field) and an inner path applied to the packed message. Undefined: mask invalid.
 */
function trimResource(
  lookup: FieldLookup,
  type: string,
  entry: Record<string, unknown>,
  paths: readonly string[],
): Record<string, unknown> | undefined {
  const outer: string[] = [];
  const inner: string[] = [];
  let anyField: string | undefined;
  for (const path of paths) {
    const dot = path.indexOf('.');
    const head = dot < 0 ? path : path.slice(0, dot);
    const f = lookup(type, head);
    if (f && !f.repeated && f.messageType === ANY && (anyField === undefined || anyField === head)) {
      anyField = head;
      outer.push(head);
      // A bare `cluster` keeps the whole packed message.
      inner.push(dot < 0 ? '' : path.slice(dot + 1));
    } else {
      outer.push(path);
    }
  }
  let result = entry;
  if (anyField !== undefined && isObject(entry[anyField])) {
    const packed = entry[anyField] as Record<string, unknown>;
    const innerType = typeNameOf(packed);
    if (!inner.includes('')) {
      if (innerType === undefined || !inner.every((p) => pathFits(lookup, innerType, p))) return undefined;
      result = { ...entry, [anyField]: trimJson(packed, inner) };
    }
  }
  if (!maskFits(lookup, type, outer)) return undefined;
  return trimJson(result, outer);
}

/**
 * Where each component's repeated entries keep their resource name; Envoy's dump callbacks match
 * that name (an unset name is "").
 */
const NAME_OF: Readonly<Partial<Record<string, (e: Record<string, unknown>) => unknown>>> = {
  static_clusters: (e) => packed(e, 'cluster')['name'],
  dynamic_active_clusters: (e) => packed(e, 'cluster')['name'],
  dynamic_warming_clusters: (e) => packed(e, 'cluster')['name'],
  static_endpoint_configs: (e) => packed(e, 'endpoint_config')['cluster_name'],
  dynamic_endpoint_configs: (e) => packed(e, 'endpoint_config')['cluster_name'],
  static_listeners: (e) => packed(e, 'listener')['name'],
  dynamic_listeners: (e) => e['name'],
  static_route_configs: (e) => packed(e, 'route_config')['name'],
  dynamic_route_configs: (e) => packed(e, 'route_config')['name'],
  inline_scoped_route_configs: (e) => e['name'],
  dynamic_scoped_route_configs: (e) => e['name'],
  static_secrets: (e) => e['name'],
  dynamic_active_secrets: (e) => e['name'],
  dynamic_warming_secrets: (e) => e['name'],
  ecds_filters: (e) => packed(e, 'ecds_filter')['name'],
};

function packed(e: Record<string, unknown>, field: string): Record<string, unknown> {
  const v = e[field];
  return isObject(v) ? v : {};
}

/** Drops the named entries whose name the matcher rejects; other fields stay as they are. */
function filterByName(dump: Record<string, unknown>, matches: (name: string) => boolean): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(dump)) {
    const nameOf = NAME_OF[k];
    out[k] = nameOf && Array.isArray(v)
      ? v.filter((e) => {
          const name = isObject(e) ? nameOf(e) : undefined;
          return matches(typeof name === 'string' ? name : '');
        })
      : v;
  }
  return out;
}

function typeNameOf(o: object): string | undefined {
  const t = (o as Record<string, unknown>)['@type'];
  if (typeof t !== 'string') return undefined;
  const slash = t.lastIndexOf('/');
  return slash < 0 ? t : t.slice(slash + 1);
}
