// Shared helpers for route table tests: YAML RouteConfiguration -> decoded canonical -> table.
import * as assert from 'node:assert/strict';
import { parseConfigText } from '../../../proxy/config/bootstrap-source';
import { decodeJson } from '../../../proxy/config/proto-json';
import { envoySchema } from '../../../proxy/config/schema/schema';
import type { Canonical } from '../../../proxy/config/canonical';
import type { ConfigIssue } from '../../../proxy/config/result';
import { HeaderMapImpl } from '../../../proxy/http/header-map-impl';
import { buildRouteTable, RouteTableImpl } from '../../../proxy/router/route-table';
import type { RouteRequest } from '../../../proxy/router/types';

export function decodeRouteConfig(yaml: string): Canonical {
  const p = parseConfigText(yaml, 'yaml', 'test');
  if (!p.ok) throw new Error(p.error);
  const d = decodeJson(envoySchema(), 'envoy.config.route.v3.RouteConfiguration', p.data);
  if (!d.ok) throw new Error(d.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return d.value;
}

export function table(yaml: string): RouteTableImpl {
  const r = buildRouteTable(decodeRouteConfig(yaml));
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r.value;
}

/** The errors a config produces (asserting it is rejected). */
export function errors(yaml: string): ConfigIssue[] {
  const r = buildRouteTable(decodeRouteConfig(yaml));
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : [...r.errors];
}

export function headers(list: [string, string][] = []): HeaderMapImpl {
  const h = new HeaderMapImpl();
  for (const [k, v] of list) h.add(k.toLowerCase(), v);
  return h;
}

export function req(authority: string, path: string, hs: [string, string][] = [], method = 'GET', scheme = 'http'): RouteRequest {
  return { method, authority, path, scheme, headers: headers(hs) };
}

/** Name of the matched route ('' unnamed), or undefined when nothing matched. */
export function routeName(t: RouteTableImpl, r: RouteRequest, random = 0): string | undefined {
  return t.route(r, random)?.routeName;
}

export function vhostName(t: RouteTableImpl, authority: string): string | undefined {
  return t.virtualHost(authority)?.name;
}
