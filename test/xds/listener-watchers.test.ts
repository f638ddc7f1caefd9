// ListenerWatchers (LDS warming on RDS) against a real listener manager and real route tables, with
// a fake xDS client so that LDS and RDS updates can be interleaved exactly as the races need:
// a warmed build never overtakes a later LDS removal or update, the serving version keeps its
// route subscription until its replacement is active, and an unsubscribed route table is dropped.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { Canonical } from '../../proxy/config/canonical';
import { AccessLogManager } from '../../proxy/http/access-log/log-writer';
import { registerHttp } from '../../proxy/http/register';
import type { HcmConfig } from '../../proxy/http/hcm-config';
import { registerListenerFilters } from '../../proxy/listener/filters/register';
import { ListenerManager } from '../../proxy/listener/listener-manager';
import { registerNetworkFilters } from '../../proxy/network/register';
import { registerRecognised } from '../../proxy/registry/recognised';
import { ExtensionRegistry } from '../../proxy/registry/registry';
import { buildRouteTable } from '../../proxy/router/route-table';
import { RdsRouteSources } from '../../proxy/server/rds-route-sources';
import { ListenerWatchers } from '../../proxy/server/xds-listener-watchers';
import { createStatsStore } from '../../proxy/stats/stats-store';
import type { ResourceUpdate, TypeWatcher, XdsClient } from '../../xds-client';
import { LISTENER, ROUTE } from '../../xds-client/type-urls';
import { decode, decodeListener } from '../proxy/listener/harness';

class FakeClient {
  readonly watchers = new Map<string, TypeWatcher>();
  readonly watched = new Map<string, Set<string>>();
  setWatcher(typeUrl: string, w: TypeWatcher): void {
    this.watchers.set(typeUrl, w);
  }
  watch(typeUrl: string, name: string): void {
    if (!this.watched.has(typeUrl)) this.watched.set(typeUrl, new Set());
    this.watched.get(typeUrl)!.add(name);
  }
  unwatch(typeUrl: string, name: string): void {
    this.watched.get(typeUrl)?.delete(name);
  }
  routes(): string[] {
    return [...(this.watched.get(ROUTE) ?? [])].sort();
  }
}

interface Env {
  lm: ListenerManager;
  routes: RdsRouteSources;
  w: ListenerWatchers;
  client: FakeClient;
  lds(version: string, updated: Canonical[], removed?: string[]): Promise<unknown>;
  rds(version: string, updated: Canonical[]): Promise<unknown>;
}

function newEnv(): Env {
  const registry = new ExtensionRegistry();
  registerListenerFilters(registry);
  registerNetworkFilters(registry);
  registerHttp(registry);
  registerRecognised(registry);
  const store = createStatsStore();
  const routes = new RdsRouteSources();
  const client = new FakeClient();
  let w: ListenerWatchers | undefined;
  const lm = new ListenerManager({
    registry,
    stats: store,
    filterContext: {
      registry,
      stats: store,
      clusterManager: { get: () => undefined },
      accessLogManager: new AccessLogManager(),
      // As the data plane: an RDS name is a source the watchers keep current (and pin when static).
      routeSourceFor: (spec: HcmConfig['routeSpecifier']) => {
        if (spec.kind === 'inline') {
          const t = buildRouteTable(spec.config);
          if (!t.ok) throw new Error(JSON.stringify(t.errors));
          return t.value;
        }
        if (spec.kind !== 'rds') throw new Error('unsupported');
        w!.pinRoute(spec.name, spec.configSource);
        return routes.source(spec.name);
      },
    } as never,
  });
  w = new ListenerWatchers(lm, routes, client as unknown as XdsClient);
  w.start(undefined);
  const upd = (typeUrl: string, version: string, updated: Canonical[], removed: string[] = []): ResourceUpdate<Canonical> => ({
    typeUrl,
    versionInfo: version,
    updated: updated.map((value) => ({ name: String(value.name), version, value })),
    removed,
    source: 'ads',
  });
  return {
    lm,
    routes,
    w,
    client,
    lds: async (v, u, r) => client.watchers.get(LISTENER)!.onUpdate(upd(LISTENER, v, u, r)),
    rds: async (v, u) => client.watchers.get(ROUTE)!.onUpdate(upd(ROUTE, v, u)),
  };
}

const HCM_T = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

function hcm(route: object): object {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM_T, stat_prefix: 'in', ...route, http_filters: [ROUTER] } };
}

function rdsListener(name: string, route: string, port = 0, extra: object = {}): Canonical {
  return decodeListener({
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{ filters: [hcm({ rds: { route_config_name: route, config_source: { ads: {} } } })] }],
    ...extra,
  });
}

function routeConfig(name: string, body: string): Canonical {
  return decode('envoy.config.route.v3.RouteConfiguration', {
    name,
    virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: body } } }] }],
  });
}

function get(port: number): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    http
      .get({ port, host: '127.0.0.1', path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve([res.statusCode!, body]));
      })
      .on('error', reject);
  });
}

test('a listener removed by LDS while its warmed build binds is not built afterwards (no zombie)', async () => {
  const e = newEnv();
  try {
    await e.lds('1', [rdsListener('L', 'R')]);
    assert.deepEqual(e.w.pendingNames(), ['L'], 'warming on R');
    await e.rds('1', [routeConfig('R', 'r1')]);
    await e.lds('2', [], ['L']);
    await e.w.settled();
    assert.equal(e.lm.get('L'), undefined, 'the listener manager does not hold L');
    assert.deepEqual(e.lm.adminListeners().map((l) => l.name), []);
    assert.deepEqual(e.w.pendingNames(), []);
    assert.deepEqual(e.client.routes(), [], 'R unsubscribed with its last listener');
  } finally {
    await e.lm.stop();
  }
});

test('an LDS update during a warmed build is applied after it: the newer version wins', async () => {
  const e = newEnv();
  try {
    // Two listeners warm on R: the build of A is in flight when L's version 2 comes, and the
    // build of L's version 1 must not follow it over version 2.
    await e.lds('1', [rdsListener('A', 'R'), rdsListener('L', 'R', 0, { per_connection_buffer_limit_bytes: 1111 })]);
    assert.deepEqual(e.w.pendingNames(), ['A', 'L']);
    await e.rds('1', [routeConfig('R', 'r1')]);
    await e.lds('2', [rdsListener('L', 'R', 0, { per_connection_buffer_limit_bytes: 2222 })]);
    await e.w.settled();
    const dump = JSON.stringify(e.lm.configDump());
    assert.ok(dump.includes('2222'), 'version 2 is the one serving');
    assert.ok(!dump.includes('1111'), 'version 1 is not built over it');
    assert.deepEqual(e.w.pendingNames(), []);
    assert.deepEqual(e.lm.adminListeners().map((l) => l.name).sort(), ['A', 'L']);
  } finally {
    await e.lm.stop();
  }
});

test('a listener update keeps the serving version on its route until the new one is active', async () => {
  const e = newEnv();
  try {
    await e.lds('1', [rdsListener('L', 'R1')]);
    await e.rds('1', [routeConfig('R1', 'one')]);
    await e.w.settled();
    const port = e.lm.boundAddress('L')!.port;
    assert.deepEqual(await get(port), [200, 'one']);

    await e.lds('2', [rdsListener('L', 'R2')]);
    assert.deepEqual(e.w.pendingNames(), ['L'], 'the new version warms on R2');
    assert.deepEqual(e.client.routes(), ['R1', 'R2'], 'R1 stays subscribed while the old version serves');
    await e.rds('2', [routeConfig('R1', 'one, updated')]);
    await e.w.settled();
    assert.deepEqual(await get(port), [200, 'one, updated'], 'the serving version still follows R1');

    await e.rds('3', [routeConfig('R2', 'two')]);
    await e.w.settled();
    assert.deepEqual(e.client.routes(), ['R2'], 'R1 let go once the new version is active');
    assert.deepEqual(await get(port), [200, 'two']);
  } finally {
    await e.lm.stop();
  }
});

test('a new version that fails to build lets go of its routes; the serving one keeps its own', async () => {
  const e = newEnv();
  try {
    await e.lds('1', [rdsListener('L', 'R1')]);
    await e.rds('1', [routeConfig('R1', 'one')]);
    await e.w.settled();
    const port = e.lm.boundAddress('L')!.port;
    // Another listener holding the address L2 will move to: L's new version cannot bind it.
    await e.lds('2', [rdsListener('B', 'R1')]);
    await e.w.settled();
    const busy = e.lm.boundAddress('B')!.port;
    await e.lds('3', [rdsListener('L', 'R2', busy)]);
    await e.rds('2', [routeConfig('R2', 'two')]);
    await e.w.settled();
    assert.deepEqual(e.w.pendingNames(), []);
    assert.deepEqual(e.client.routes(), ['R1'], 'R2 unsubscribed after its only listener version failed');
    assert.deepEqual(await get(port), [200, 'one'], 'the old version still serves');
    await e.rds('3', [routeConfig('R1', 'one, updated')]);
    assert.deepEqual(await get(port), [200, 'one, updated'], 'and still follows R1');
  } finally {
    await e.lm.stop();
  }
});

test('the last listener on a route going drops its table: a later listener naming it warms again', async () => {
  const e = newEnv();
  try {
    await e.lds('1', [rdsListener('L', 'R')]);
    await e.rds('1', [routeConfig('R', 'old')]);
    await e.w.settled();
    await e.lds('2', [], ['L']);
    assert.deepEqual(e.client.routes(), []);
    assert.deepEqual(e.routes.names(), [], 'the route source is gone');
    await e.lds('3', [rdsListener('M', 'R')]);
    assert.deepEqual(e.w.pendingNames(), ['M'], 'M warms instead of starting on the stale table');
    assert.equal(e.lm.get('M'), undefined);
    assert.deepEqual(e.client.routes(), ['R']);
    await e.rds('2', [routeConfig('R', 'new')]);
    await e.w.settled();
    assert.deepEqual(await get(e.lm.boundAddress('M')!.port), [200, 'new']);
  } finally {
    await e.lm.stop();
  }
});

test('a route a static listener uses stays subscribed when the dynamic listeners on it go', async () => {
  const e = newEnv();
  try {
    await e.lds('1', [rdsListener('L', 'R')]);
    await e.rds('1', [routeConfig('R', 'r')]);
    await e.w.settled();
    // A static listener built outside LDS names the same route: it pins R.
    const s = await e.lm.addOrUpdateListener(rdsListener('S', 'R'), { addedViaApi: false });
    assert.ok(s.ok);
    await e.lds('2', [], ['L']);
    assert.deepEqual(e.client.routes(), ['R']);
    await e.rds('2', [routeConfig('R', 'r2')]);
    assert.deepEqual(await get(e.lm.boundAddress('S')!.port), [200, 'r2']);
  } finally {
    await e.lm.stop();
  }
});
