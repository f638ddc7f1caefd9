// The Node a control plane sees: the bootstrap's node (command-line overrides applied by the
// caller) plus what Envoy itself adds: its user agent, build version and client features.
type Obj = Readonly<Record<string, unknown>>;

export interface BuildVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** The Envoy release whose behaviour tsenvoy follows; Istio gates some config on it. */
export const DEFAULT_BUILD_VERSION: BuildVersion = { major: 1, minor: 36, patch: 0 };

/** Envoy's node.client_features that this data plane honours. */
export const DEFAULT_CLIENT_FEATURES: readonly string[] = [
  'envoy.config.require-any-fields-contain-struct',
  'envoy.lb.does_not_support_overprovisioning',
  'envoy.lrs.supports_send_all_clusters',
  'xds.config.resource-in-sotw',
];

export function nodeIdentity(node: Obj, build: BuildVersion = DEFAULT_BUILD_VERSION, features: readonly string[] = DEFAULT_CLIENT_FEATURES): Obj {
  const { user_agent_version: _replaced, ...rest } = node;
  return Object.freeze({
    ...rest,
    user_agent_name: 'envoy',
    user_agent_build_version: { version: { major_number: build.major, minor_number: build.minor, patch: build.patch } },
    client_features: [...new Set([...((node.client_features as string[] | undefined) ?? []), ...features])],
  });
}
