// The dynamic sections of /config_dump: CDS clusters (active and warming), LDS listeners (active,
// warming, draining), RDS route configurations and EDS assignments, each with its version and
// last update, and Envoy's error_state for a resource whose latest version was rejected.
import type { Canonical } from '../config/canonical';
import { keptValue } from '../config/kept-value';
import { CLUSTER, LISTENER } from '../../xds-client/type-urls';
import type { DynamicDumps } from './config-dump';
import type { DataPlane } from './data-plane';
import type { RejectedRecord, XdsRecords } from './xds-records';
import type { XdsWiring } from './xds-wiring';
import type { SecretWatchers } from './xds-secret-watchers';

/** Canonical value -> proto3 JSON Any of `type` (the config dump builder's encoder). */
export type AnyEncoder = (type: string, value: unknown) => object;

const CLUSTER_T = 'envoy.config.cluster.v3.Cluster';
const LISTENER_T = 'envoy.config.listener.v3.Listener';
const ROUTE_T = 'envoy.config.route.v3.RouteConfiguration';
const CLA_T = 'envoy.config.endpoint.v3.ClusterLoadAssignment';
const SECRET_T = 'envoy.extensions.transport_sockets.tls.v3.Secret';

function errorState(e: RejectedRecord | undefined, type: string, any: AnyEncoder): object {
  if (!e) return {};
  let failed: object | undefined;
  try {
    failed = e.failed ? any(type, e.failed) : undefined;
  } catch {
    failed = undefined;
  }
  return {
    error_state: {
      ...(failed ? { failed_configuration: failed } : {}),
      last_update_attempt: e.at.toISOString(),
      details: e.details,
      ...(e.versionInfo ? { version_info: e.versionInfo } : {}),
    },
  };
}

function plainRecords(rec: XdsRecords, type: string, field: string, any: AnyEncoder): object[] {
  const out: object[] = [];
  for (const [name, r] of rec.entries()) {
    out.push({ version_info: r.versionInfo, [field]: any(type, keptValue(r.value)), last_updated: new Date(r.lastUpdated).toISOString(), ...errorState(rec.errorOf(name), type, any) });
  }
  for (const [name, e] of rec.errors()) if (!rec.has(name)) out.push(errorState(e, type, any));
  return out;
}

export function xdsDumps(w: XdsWiring, dp: DataPlane, any: AnyEncoder): DynamicDumps {
  const cd = dp.clusterManager.dumpClusters();
  const crec = w.clusters.clusterRecords;
  const clusterEntry = (e: (typeof cd.dynamicActive)[number]): object => ({
    ...(e.versionInfo ? { version_info: e.versionInfo } : {}),
    cluster: any(CLUSTER_T, e.cluster),
    last_updated: new Date(e.lastUpdated).toISOString(),
    ...errorState(crec.errorOf(String(e.cluster.name)), CLUSTER_T, any),
  });
  const known = new Set([...cd.dynamicActive, ...cd.dynamicWarming].map((e) => String(e.cluster.name)));
  const orphanErrors = [...crec.errors()].filter(([n]) => !known.has(n)).map(([, e]) => errorState(e, CLUSTER_T, any));

  const ld = dp.listenerManager.configDump();
  const lrec = w.listeners.listenerRecords;
  const state = (s: { version_info?: string; listener: Canonical; last_updated: string } | undefined): object | undefined =>
    s && { ...(s.version_info ? { version_info: s.version_info } : {}), listener: any(LISTENER_T, s.listener), last_updated: s.last_updated };
  const listeners: object[] = ld.dynamic_listeners.map((l) => {
    const pending = lrec.has(l.name) && !l.warming_state ? w.listeners.pendingState(l.name) : undefined;
    return {
      name: l.name,
      ...(l.active_state ? { active_state: state(l.active_state) } : {}),
      ...(l.warming_state ? { warming_state: state(l.warming_state) } : pending ? { warming_state: state(pending) } : {}),
      ...(l.draining_state ? { draining_state: state(l.draining_state) } : {}),
      ...(l.active_state || l.warming_state ? errorState(lrec.errorOf(l.name), LISTENER_T, any) : {}),
    };
  });
  const listed = new Set(ld.dynamic_listeners.map((l) => l.name));
  for (const name of w.listeners.pendingNames()) {
    if (!listed.has(name)) {
      listeners.push({ name, warming_state: state(w.listeners.pendingState(name)), ...errorState(lrec.errorOf(name), LISTENER_T, any) });
      listed.add(name);
    }
  }
  for (const [name, e] of lrec.errors()) if (!listed.has(name)) listeners.push({ name, ...errorState(e, LISTENER_T, any) });

  return {
    clusters: {
      version_info: w.versionOf(CLUSTER),
      dynamic_active_clusters: [...cd.dynamicActive.map(clusterEntry), ...orphanErrors],
      dynamic_warming_clusters: cd.dynamicWarming.map(clusterEntry),
    },
    listeners: { version_info: w.versionOf(LISTENER), dynamic_listeners: listeners },
    routes: { dynamic_route_configs: plainRecords(w.listeners.routeRecords, ROUTE_T, 'route_config', any) },
    endpoints: { dynamic_endpoint_configs: plainRecords(w.clusters.endpointRecords, CLA_T, 'endpoint_config', any) },
    secrets: secretDumps(w.listeners.secrets, any),
  };
}

/** SDS secrets: accepted ones (keys redacted by the encoder) and those subscribed but not here yet. */
function secretDumps(sw: SecretWatchers, any: AnyEncoder): { dynamic_active_secrets: object[]; dynamic_warming_secrets: object[] } {
  const rec = sw.records;
  const active: object[] = [];
  for (const [name, r] of rec.entries()) {
    active.push({ name, version_info: r.versionInfo, last_updated: new Date(r.lastUpdated).toISOString(), secret: any(SECRET_T, keptValue(r.value)), ...errorState(rec.errorOf(name), SECRET_T, any) });
  }
  const warming = sw.warmingNames().map((name) => ({ name, ...errorState(rec.errorOf(name), SECRET_T, any) }));
  return { dynamic_active_secrets: active, dynamic_warming_secrets: warming };
}
