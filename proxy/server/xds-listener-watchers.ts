// LDS and RDS as the listener manager and the route sources see them. A listener subscribes to
// the route configurations its HTTP connection managers name before it is built, and is built
// only once each has arrived (or was declared missing): Envoy's listener warming, done here so
// that the LDS handler never waits for RDS (both share one ADS response queue). LDS updates and
// the builds of warmed listeners run one at a time on one chain, so a removal or a newer version
// can never be overtaken by an older build. RDS names are counted per listener version: the
// serving version keeps its names until the version replacing it is active (or the listener is
// removed), and the last reference going unsubscribes the name and drops its route table.
// The SDS secrets a listener's TLS contexts name are held the same way (xds-secret-watchers.ts):
// a listener warms until its routes and its secrets are all here.
import type { Canonical } from '../config/canonical';
import { isAny } from '../config/canonical';
import { getLogger } from '../common/logger';
import { ListenerManager } from '../listener/listener-manager';
import { allFilterChains } from '../listener/listener-config';
import { buildRouteTableSliced } from '../router/route-table';
import { SliceClock } from '../common/slice-clock';
import type { ResourceIssue, ResourceUpdate, TypeWatcher, UpdateOutcome, XdsClient } from '../../xds-client';
import { LISTENER, ROUTE } from '../../xds-client/type-urls';
import type { RdsRouteSources } from './rds-route-sources';
import { CountedSubscriptions, NamedRef } from './counted-subscriptions';
import { XdsRecords } from './xds-records';
import { keepOf } from '../config/kept-value';
import { SecretWatchers, sdsRefsOfListener } from './xds-secret-watchers';

const log = getLogger('config');
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

type RdsRef = NamedRef;

interface PendingListener {
  readonly raw: Canonical;
  readonly versionInfo: string;
  /** The route names this version holds a reference on (released when it is replaced or fails). */
  readonly routes: readonly string[];
  /** Likewise, the SDS secret names. */
  readonly secrets: readonly string[];
  readonly lastUpdated: Date;
}

/** The `rds` sections of a listener's HTTP connection managers. */
export function rdsRefsOf(listener: Canonical): RdsRef[] {
  const out: RdsRef[] = [];
  for (const ch of allFilterChains(listener)) {
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

function issueText(issues: readonly ResourceIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}

export class ListenerWatchers {
  readonly listenerRecords = new XdsRecords();
  readonly routeRecords = new XdsRecords();
  /** Route names the serving version of each dynamic listener holds a reference on. */
  private readonly routesByListener = new Map<string, string[]>();
  /** Likewise, SDS secret names. */
  private readonly secretsByListener = new Map<string, string[]>();
  /** Route names static listeners use: subscribed for good. */
  private readonly pinned = new Set<string>();
  /** True while a dynamic listener is being built (its HCMs' route lookups are not static pins). */
  private buildingDynamic = false;
  /** LDS updates and warmed-listener builds, one at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  private readonly routeRefs: CountedSubscriptions;
  /** A route configuration's accepted bytes back to its value (config_dump): see kept-value.ts. */
  private readonly decodeRoute = (b: Buffer): Canonical => this.client.decodeAccepted(ROUTE, b) as Canonical;
  private readonly pending = new Map<string, PendingListener>();
  private firstResponse: (() => void) | undefined;
  private readonly firstLds: Promise<void>;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly lm: ListenerManager,
    private readonly routes: RdsRouteSources,
    private readonly client: XdsClient,
    readonly secrets: SecretWatchers = new SecretWatchers(client),
  ) {
    this.firstLds = new Promise((r) => (this.firstResponse = r));
    this.routeRefs = new CountedSubscriptions(client, ROUTE, (n) => `rds[${n}].config_source`);
    client.setWatcher(ROUTE, this.rds as TypeWatcher);
    secrets.onChange(() => void this.serial(() => this.buildReady()));
  }

  readonly lds: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.serial(() => this.onLds(u)),
    onResourceDoesNotExist: () => this.settleFirst(),
  };

  readonly rds: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.onRds(u),
    onResourceDoesNotExist: (name) => {
      if (this.routeRefs.giveUp(name)) void this.serial(() => this.buildReady());
    },
  };

  start(ldsConfig: Canonical | undefined): void {
    this.client.setWatcher(LISTENER, this.lds as TypeWatcher);
    this.client.watch(LISTENER, '*', ldsConfig, 'dynamic_resources.lds_config');
  }

  /** A static listener's HCM names an RDS route configuration: subscribe for good. */
  pinRoute(name: string, configSource: Canonical | undefined): void {
    if (this.buildingDynamic || this.pinned.has(name)) return;
    this.pinned.add(name);
    this.routeRefs.ref({ name, configSource });
  }

  /** Resolves once every LDS update and listener build queued so far has run. */
  settled(): Promise<void> {
    return this.serial(async () => undefined);
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run;
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
    if (!p || !this.listenerRecords.has(name)) return undefined;
    return { version_info: p.versionInfo, listener: p.raw, last_updated: p.lastUpdated.toISOString() };
  }

  /** A listener waits for its routes: warming, as the listener manager's stats say too. */
  private startWarming(name: string, p: PendingListener): void {
    this.pending.set(name, p);
    this.lm.setWarmingElsewhere(this.pending.size);
  }

  private endWarming(name: string): void {
    if (this.pending.delete(name)) this.lm.setWarmingElsewhere(this.pending.size);
  }

  /** A warming version is superseded or withdrawn: it stops warming and lets go of its routes and secrets. */
  private dropPending(name: string): void {
    const p = this.pending.get(name);
    if (!p) return;
    this.endWarming(name);
    this.release(p.routes, p.secrets);
  }

  private release(routes: readonly string[], secrets: readonly string[]): void {
    for (const n of routes) this.unref(n);
    for (const n of secrets) this.secrets.unref(n);
  }

  /** A version went active: its route and secret references replace those of the version it replaced. */
  private activated(name: string, routes: readonly string[], secrets: readonly string[]): void {
    const old = this.routesByListener.get(name) ?? [];
    const oldSecrets = this.secretsByListener.get(name) ?? [];
    if (routes.length) this.routesByListener.set(name, [...routes]);
    else this.routesByListener.delete(name);
    if (secrets.length) this.secretsByListener.set(name, [...secrets]);
    else this.secretsByListener.delete(name);
    this.release(old, oldSecrets);
  }

  private addListener(raw: Canonical, versionInfo: string): ReturnType<ListenerManager['addOrUpdateListener']> {
    // The HCMs are built synchronously, before the first await: their route lookups are ours.
    this.buildingDynamic = true;
    try {
      return this.lm.addOrUpdateListener(raw, { addedViaApi: true, versionInfo });
    } finally {
      this.buildingDynamic = false;
    }
  }

  private settleFirst(): void {
    this.firstResponse?.();
    this.firstResponse = undefined;
  }

  private unref(name: string): void {
    if (!this.routeRefs.unref(name)) return;
    this.routeRecords.forget(name);
    // Envoy destroys the RDS provider: a listener naming it later warms on a new subscription.
    // Listeners still draining keep the source object they were built with.
    this.routes.drop(name);
  }

  private routesReady(names: readonly string[]): boolean {
    return names.every((n) => this.routes.source(n).table !== undefined || this.routeRefs.isGivenUp(n));
  }

  private async onLds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    for (const r of u.updated) {
      const issues = ListenerManager.validate(r.value);
      if (issues.length) {
        this.reject(rejected, r.name, issues, u.versionInfo, r.value);
        continue;
      }
      const refs = rdsRefsOf(r.value);
      const sds = sdsRefsOfListener(r.value);
      // Subscribe first, so a name shared with the serving or superseded version stays.
      for (const x of refs) this.routeRefs.ref(x);
      for (const x of sds) this.secrets.ref(x);
      this.dropPending(r.name);
      const names = refs.map((x) => x.name);
      const secrets = sds.map((x) => x.name);
      if (!this.routesReady(names) || !this.secrets.ready(secrets)) {
        // Warming: built when its routes and secrets arrive; the version serving now keeps serving.
        this.startWarming(r.name, { raw: r.value, versionInfo: u.versionInfo, routes: names, secrets, lastUpdated: new Date() });
        this.listenerRecords.accept(r.name, r.value, u.versionInfo);
        continue;
      }
      const res = await this.addListener(r.value, u.versionInfo);
      if (!res.ok) {
        this.release(names, secrets);
        this.reject(rejected, r.name, res.errors, u.versionInfo, r.value);
      } else {
        this.activated(r.name, names, secrets);
        this.listenerRecords.accept(r.name, r.value, u.versionInfo);
      }
    }
    for (const name of u.removed) {
      this.dropPending(name);
      this.lm.removeListener(name);
      this.activated(name, [], []);
      this.listenerRecords.forget(name);
    }
    this.settleFirst();
    this.wakeIfIdle();
    return rejected.length ? { rejected } : undefined;
  }

  private reject(out: ResourceIssue[], name: string, issues: readonly { path: string; message: string }[], versionInfo: string, raw: Canonical): void {
    const mine = issues.map((e) => ({ name, path: e.path, message: e.message }));
    out.push(...mine);
    this.listenerRecords.reject(name, issueText(mine), versionInfo, raw);
  }

  private async onRds(u: ResourceUpdate<Canonical>): Promise<UpdateOutcome | void> {
    const rejected: ResourceIssue[] = [];
    const clock = new SliceClock();
    for (const r of u.updated) {
      // A response racing an unsubscription: no listener names it any more.
      if (!this.routeRefs.has(r.name)) continue;
      // Thousands of virtual hosts are compiled in slices; requests keep matching the old table.
      const t = await buildRouteTableSliced(r.value, clock);
      if (!this.routeRefs.has(r.name)) continue; // its last listener went while it was built
      if (!t.ok) {
        const issues = t.errors.map((e) => ({ name: r.name, path: e.path, message: e.message }));
        rejected.push(...issues);
        this.routeRecords.reject(r.name, issueText(issues), u.versionInfo, r.value);
        continue;
      }
      // The atomic swap: new requests match the new table, requests in flight keep their entry.
      this.routes.source(r.name).table = t.value;
      this.routeRecords.accept(r.name, keepOf(r.value, r.bytes, this.decodeRoute), u.versionInfo);
    }
    // Envoy keeps serving the last table of a withdrawn route configuration.
    for (const name of u.removed) this.routeRecords.forget(name);
    void this.serial(() => this.buildReady());
    return rejected.length ? { rejected } : undefined;
  }

  /** Builds the warming listeners whose routes are all here now (on the chain, as LDS updates). */
  private async buildReady(): Promise<void> {
    for (const [name, p] of [...this.pending]) {
      // Superseded or removed since the snapshot: that version is not built.
      if (this.pending.get(name) !== p || !this.routesReady(p.routes) || !this.secrets.ready(p.secrets)) continue;
      this.endWarming(name);
      const res = await this.addListener(p.raw, p.versionInfo);
      if (res.ok) this.activated(name, p.routes, p.secrets);
      else {
        this.release(p.routes, p.secrets);
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

  /** A rejected LDS update (Envoy's LdsApiImpl::onConfigUpdateFailed) ends the wait for the first one. */
  onRejected(): void {
    this.settleFirst();
    this.wakeIfIdle();
  }
}
