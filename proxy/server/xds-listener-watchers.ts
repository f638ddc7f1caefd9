// LDS and RDS as the listener manager and the route sources see them. A listener subscribes to
// the route configurations its HTTP connection managers name before it is built, and is built
// only once each has arrived (or was declared missing): Envoy's listener warming, done here so
// that the LDS handler never waits for RDS (both share one ADS response queue). RDS names are
// counted per listener and unsubscribed when the last listener naming them goes.
import type { Canonical } from '../config/canonical';
import { isAny } from '../config/canonical';
import { getLogger } from '../common/logger';
import { ListenerManager } from '../listener/listener-manager';
import { buildRouteTable } from '../router/route-table';
import type { ResourceIssue, ResourceUpdate, TypeWatcher, UpdateOutcome, XdsClient } from '../../xds-client';
import { LISTENER, ROUTE } from '../../xds-client/type-urls';
import type { RdsRouteSources } from './rds-route-sources';
import { XdsRecords } from './xds-records';

const log = getLogger('config');
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

interface RdsRef {
  readonly name: string;
  readonly configSource: Canonical | undefined;
}

interface PendingListener {
  readonly raw: Canonical;
  readonly versionInfo: string;
  readonly routes: readonly string[];
}

/** The `rds` sections of a listener's HTTP connection managers. */
export function rdsRefsOf(listener: Canonical): RdsRef[] {
  const out: RdsRef[] = [];
  const chains = [...((listener.filter_chains as Canonical[] | undefined) ?? []), ...(listener.default_filter_chain ? [listener.default_filter_chain as Canonical] : [])];
  for (const ch of chains) {
    for (const f of (ch.filters as Canonical[] | undefined) ?? []) {
      const tc = f.typed_config;
      if (!isAny(tc) || !tc['@type'].endsWith(HCM)) continue;
      const rds = (tc as Canonical).rds as Canonical | undefined;
      if (rds && typeof rds.route_config_name === 'string' && !out.some((r) => r.name === rds.route_config_name)) {
        out.push({ name: rds.route_config_name, configSource: rds.config_source as Canonical | undefined });
      }
    }
  }
  return out;
}

/**
 * The SDS secrets a listener's transport sockets name, by chain path: `filter_chains[3]` ->
 * ['default via sds-grpc', 'ROOTCA via sds-grpc'].
 */
export function sdsSecretsOf(listener: Canonical): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const chains: [string, Canonical][] = ((listener.filter_chains as Canonical[] | undefined) ?? []).map((c, i) => [`filter_chains[${i}]`, c]);
  if (listener.default_filter_chain) chains.push(['default_filter_chain', listener.default_filter_chain as Canonical]);
  for (const [at, ch] of chains) {
    const tc = (ch.transport_socket as Canonical | undefined)?.typed_config as Canonical | undefined;
    const common = tc?.common_tls_context as Canonical | undefined;
    if (!common) continue;
    const combined = common.combined_validation_context as Canonical | undefined;
    const configs = [
      ...((common.tls_certificate_sds_secret_configs as Canonical[] | undefined) ?? []),
      ...(common.validation_context_sds_secret_config ? [common.validation_context_sds_secret_config as Canonical] : []),
      ...(combined?.validation_context_sds_secret_config ? [combined.validation_context_sds_secret_config as Canonical] : []),
    ];
    const names = configs.map((c) => {
      const api = (c.sds_config as Canonical | undefined)?.api_config_source as Canonical | undefined;
      const svc = ((api?.grpc_services as Canonical[] | undefined) ?? [])[0];
      const cluster = (svc?.envoy_grpc as Canonical | undefined)?.cluster_name;
      return typeof cluster === 'string' ? `${String(c.name)} via ${cluster}` : String(c.name);
    });
    if (names.length) out.set(at, names);
  }
  return out;
}

function issueText(issues: readonly ResourceIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export class ListenerWatchers {
  readonly listenerRecords = new XdsRecords();
  readonly routeRecords = new XdsRecords();
  /** Route names each dynamic listener holds a subscription for. */
  private readonly routesByListener = new Map<string, RdsRef[]>();
  private readonly routeRefs = new Map<string, { count: number; configSource: Canonical | undefined }>();
  /** Route names that will not come (initial_fetch_timeout): listeners stop waiting for them. */
  private readonly givenUp = new Set<string>();
  private readonly pending = new Map<string, PendingListener>();
  private firstResponse: (() => void) | undefined;
  private readonly firstLds: Promise<void>;
  private idleWaiters: (() => void)[] = [];
  /** The SDS secrets each listener was last warned about (warned again only when they change). */
  private readonly sdsWarned = new Map<string, string>();

  constructor(
    private readonly lm: ListenerManager,
    private readonly routes: RdsRouteSources,
    private readonly client: XdsClient,
  ) {
    this.firstLds = new Promise((r) => (this.firstResponse = r));
    client.setWatcher(ROUTE, this.rds as TypeWatcher);
  }

  readonly lds: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.onLds(u),
    onResourceDoesNotExist: () => this.settleFirst(),
  };

  readonly rds: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.onRds(u),
    onResourceDoesNotExist: (name) => {
      this.givenUp.add(name);
      void this.buildReady();
    },
  };

  start(ldsConfig: Canonical | undefined): void {
    this.client.setWatcher(LISTENER, this.lds as TypeWatcher);
    this.client.watch(LISTENER, '*', ldsConfig, 'dynamic_resources.lds_config');
  }

  /** A static listener's HCM names an RDS route configuration: subscribe for good. */
  pinRoute(name: string, configSource: Canonical | undefined): void {
    if (!this.routeRefs.has(name)) this.ref({ name, configSource });
  }

  /** Resolves once the first LDS response is applied and no listener waits for its routes. */
  async initialized(): Promise<void> {
    await this.firstLds;
    if (this.pending.size === 0) return;
    await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Listeners waiting for their routes (config_dump warming_state). */
  pendingNames(): string[] {
    return [...this.pending.keys()];
  }

  pendingState(name: string): { version_info?: string; listener: Canonical; last_updated: string } | undefined {
    const p = this.pending.get(name);
    const r = this.listenerRecords.entries();
    for (const [n, rec] of r) if (n === name && p) return { version_info: p.versionInfo, listener: p.raw, last_updated: rec.lastUpdated.toISOString() };
    return undefined;
  }

  /** A listener waits for its routes: warming, as the listener manager's stats say too. */
  private startWarming(name: string, p: PendingListener): void {
    this.pending.set(name, p);
    this.lm.setWarmingElsewhere(this.pending.size);
  }

  private endWarming(name: string): void {
    if (this.pending.delete(name)) this.lm.setWarmingElsewhere(this.pending.size);
  }

  private settleFirst(): void {
    this.firstResponse?.();
    this.firstResponse = undefined;
  }

  private ref(r: RdsRef): void {
    const e = this.routeRefs.get(r.name);
    if (e) e.count++;
    else {
      this.routeRefs.set(r.name, { count: 1, configSource: r.configSource });
      this.client.watch(ROUTE, r.name, r.configSource, `rds[${r.name}].config_source`);
    }
  }

  private unref(name: string): void {
    const e = this.routeRefs.get(name);
    if (!e) return;
    if (--e.count > 0) return;
    this.routeRefs.delete(name);
    this.givenUp.delete(name);
    this.client.unwatch(ROUTE, name, e.configSource);
    this.routeRecords.forget(name);
  }

  /** Swaps the listener's route subscriptions to `next` (subscribe first, so a shared name stays). */
  private holdRoutes(listener: string, next: RdsRef[]): void {
    for (const r of next) this.ref(r);
    for (const r of this.routesByListener.get(listener) ?? []) this.unref(r.name);
    if (next.length) this.routesByListener.set(listener, next);
    else this.routesByListener.delete(listener);
  }

  private routesReady(names: readonly string[]): boolean {
    return names.every((n) => this.routes.source(n).table !== undefined || this.givenUp.has(n));
  }

  private async onLds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    for (const r of u.updated) {
      const issues = ListenerManager.validate(r.value);
      if (issues.length) {
        this.reject(rejected, r.name, issues, u.versionInfo, r.value);
        continue;
      }
      this.warnSds(r.name, r.value);
      const refs = rdsRefsOf(r.value);
      this.holdRoutes(r.name, refs);
      const names = refs.map((x) => x.name);
      if (!this.routesReady(names)) {
        // Warming: built when its routes arrive; the version serving now keeps serving.
        this.startWarming(r.name, { raw: r.value, versionInfo: u.versionInfo, routes: names });
        this.listenerRecords.accept(r.name, r.value, u.versionInfo);
        continue;
      }
      this.endWarming(r.name);
      const res = await this.lm.addOrUpdateListener(r.value, { addedViaApi: true, versionInfo: u.versionInfo });
      if (!res.ok) this.reject(rejected, r.name, res.errors, u.versionInfo, r.value);
      else this.listenerRecords.accept(r.name, r.value, u.versionInfo);
    }
    for (const name of u.removed) {
      this.endWarming(name);
      this.sdsWarned.delete(name);
      this.lm.removeListener(name);
      this.holdRoutes(name, []);
      this.listenerRecords.forget(name);
    }
    this.settleFirst();
    this.wakeIfIdle();
    return rejected.length ? { rejected } : undefined;
  }

  /**
   * SDS is not implemented: where Envoy would subscribe to the secrets and keep the listener
   * warming until they arrive, tsenvoy neither requests them nor waits; the listener goes active
   * and the TLS chains close their connections (no TLS transport socket yet). Said once per
   * listener and set of secrets, so that an operator reading the log knows why.
   */
  private warnSds(name: string, raw: Canonical): void {
    const refs = sdsSecretsOf(raw);
    const text = [...refs].map(([at, names]) => `${at}: ${names.join(', ')}`).join('; ');
    if (text === (this.sdsWarned.get(name) ?? '')) return;
    if (text) {
      this.sdsWarned.set(name, text);
      log.warn('lds: listener %s names SDS secrets (%s); SDS is not supported yet: they are not requested, the listener is not warmed on them and connections on those filter chains are closed', name, text);
    } else this.sdsWarned.delete(name);
  }

  private reject(out: ResourceIssue[], name: string, issues: readonly { path: string; message: string }[], versionInfo: string, raw: Canonical): void {
    const mine = issues.map((e) => ({ name, path: e.path, message: e.message }));
    out.push(...mine);
    this.listenerRecords.reject(name, issueText(mine), versionInfo, raw);
  }

  private onRds(u: ResourceUpdate<Canonical>): UpdateOutcome | void {
    const rejected: ResourceIssue[] = [];
    for (const r of u.updated) {
      const t = buildRouteTable(r.value);
      if (!t.ok) {
        const issues = t.errors.map((e) => ({ name: r.name, path: e.path, message: e.message }));
        rejected.push(...issues);
        this.routeRecords.reject(r.name, issueText(issues), u.versionInfo, r.value);
        continue;
      }
      // The atomic swap: new requests match the new table, requests in flight keep their entry.
      this.routes.source(r.name).table = t.value;
      this.routeRecords.accept(r.name, r.value, u.versionInfo);
    }
    // Envoy keeps serving the last table of a withdrawn route configuration.
    for (const name of u.removed) this.routeRecords.forget(name);
    void this.buildReady();
    return rejected.length ? { rejected } : undefined;
  }

  /** Builds the warming listeners whose routes are all here now. */
  private async buildReady(): Promise<void> {
    for (const [name, p] of [...this.pending]) {
      if (!this.routesReady(p.routes)) continue;
      this.endWarming(name);
      const res = await this.lm.addOrUpdateListener(p.raw, { addedViaApi: true, versionInfo: p.versionInfo });
      if (!res.ok) {
        const issues = res.errors.map((e) => ({ name, path: e.path, message: e.message }));
        log.warn('lds: listener %s failed after warming: %s', name, issueText(issues));
        this.listenerRecords.reject(name, issueText(issues), p.versionInfo, p.raw);
      }
    }
    this.wakeIfIdle();
  }

  private wakeIfIdle(): void {
    if (this.pending.size || this.firstResponse) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }
}
