// Extensions are found by the type URL of their config, as in Envoy: a filter module registers a
// factory under its config's full message name; a config naming a type nobody registered is
// rejected unless the filter is marked is_optional. A duplicate registration is a programming error.
import { CanonicalAny, isAny } from '../config/canonical';
import { typeNameOfUrl } from '../config/schema/schema';

export type ExtensionCategory =
  | 'listener_filter'
  | 'network_filter'
  | 'http_filter'
  | 'access_logger'
  | 'transport_socket'
  | 'cluster'
  | 'load_balancing_policy'
  | 'protocol_options'
  | 'tracer'
  | 'stats_sink'
  | 'resource_monitor'
  | 'compression'
  | 'request_id'
  | 'matching_input'
  | 'bootstrap'
  | 'network_input'
  | 'other';

export interface Extension<T = unknown> {
  readonly category: ExtensionCategory;
  /** Full message names of accepted configs (no type.googleapis.com/ prefix). */
  readonly configTypes: readonly string[];
  /** Envoy's canonical extension name, e.g. envoy.filters.http.router. */
  readonly name: string;
  /**
   * Builds the runtime object from the validated config. Extensions whose behaviour is not
   * implemented yet leave it out: their config is recognised and validated, and they do nothing.
   */
  readonly create?: (config: CanonicalAny, ctx: unknown) => T;
}

const TYPED_STRUCTS = new Set(['udpa.type.v1.TypedStruct', 'xds.type.v3.TypedStruct']);

/** The config type an extension is looked up by: a TypedStruct's inner type_url, else the Any's. */
export function extensionTypeOf(config: CanonicalAny): string {
  const name = typeNameOfUrl(config['@type']);
  if (TYPED_STRUCTS.has(name) && typeof config.type_url === 'string') return typeNameOfUrl(config.type_url);
  return name;
}

export class ExtensionRegistry {
  private readonly byType = new Map<string, Extension>();

  register(ext: Extension): void {
    for (const t of ext.configTypes) {
      const prev = this.byType.get(`${ext.category}/${t}`);
      if (prev) throw new Error(`extension config type ${t} (${ext.category}) registered twice: ${prev.name} and ${ext.name}`);
      this.byType.set(`${ext.category}/${t}`, ext);
    }
  }

  /** `category` '*' finds the type in any category (a TypedExtensionConfig nested in another). */
  find(category: ExtensionCategory | '*', config: CanonicalAny): Extension | undefined {
    const type = extensionTypeOf(config);
    if (category !== '*') return this.byType.get(`${category}/${type}`);
    for (const ext of this.byType.values()) if (ext.configTypes.includes(type)) return ext;
    return undefined;
  }

  /** Checks a typed_config; returns an error message, or undefined when it is acceptable. */
  check(category: ExtensionCategory | '*', config: unknown, isOptional = false): string | undefined {
    if (!isAny(config)) return 'missing typed_config';
    if (this.find(category, config) || isOptional) return undefined;
    const what = category === '*' ? 'extension' : category.replace(/_/g, ' ');
    return `didn't find a registered implementation for type URL '${extensionTypeOf(config)}' (${what})`;
  }

  list(): Extension[] {
    return [...new Set(this.byType.values())];
  }
}
