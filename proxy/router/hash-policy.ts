// route.hash_policy compiled, and Envoy's hash generation (Http::HashPolicyImpl): each policy
// yields xxHash64 of its input or nothing; results combine as rotl(hash, 1) XOR next; a terminal
// policy that produced a hash stops the walk. Header values (all of them, sorted so order does
// not matter) are hashed as one concatenated input.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import { firstQueryValue } from './header-matcher';
import { compileRegex, compileSubstitution, CompiledRegex, CompiledSubstitution } from './route-regex';
import type { HashPolicy, RouteRequest } from './types';
import { xxHash64 } from './xxhash64';

const M64 = (1n << 64n) - 1n;

export interface CompiledHashPolicy extends HashPolicy {
  readonly rewrite: { readonly re: CompiledRegex; readonly sub: CompiledSubstitution } | undefined;
}

export function compileHashPolicies(list: unknown, path: string, sink: IssueSink): CompiledHashPolicy[] {
  const out: CompiledHashPolicy[] = [];
  const arr = (list as Canonical[] | undefined) ?? [];
  arr.forEach((h, i) => {
    const p = `${path}[${i}]`;
    const terminal = h.terminal === true;
    const base = { terminal, cookieTtlMs: undefined as number | undefined, cookiePath: undefined as string | undefined, rewrite: undefined as CompiledHashPolicy['rewrite'] };
    if (h.header !== undefined) {
      const hh = h.header as Canonical;
      let rewrite: CompiledHashPolicy['rewrite'];
      const rr = hh.regex_rewrite as Canonical | undefined;
      if (rr !== undefined) {
        const re = compileRegex(String((rr.pattern as Canonical | undefined)?.regex ?? ''));
        const sub = compileSubstitution(String(rr.substitution ?? ''));
        if (!re.ok) sink.error(`${p}.header.regex_rewrite.pattern.regex`, re.error);
        else if (!sub.ok) sink.error(`${p}.header.regex_rewrite.substitution`, sub.error);
        else rewrite = { re: re.regex, sub: sub.value };
      }
      out.push({ ...base, kind: 'header', name: String(hh.header_name ?? '').toLowerCase(), rewrite });
    } else if (h.cookie !== undefined) {
      const c = h.cookie as Canonical;
      out.push({ ...base, kind: 'cookie', name: String(c.name ?? ''), cookieTtlMs: typeof c.ttl === 'number' ? c.ttl : undefined, cookiePath: typeof c.path === 'string' ? c.path : undefined });
    } else if (h.connection_properties !== undefined) {
      if ((h.connection_properties as Canonical).source_ip === true) out.push({ ...base, kind: 'source_ip', name: '' });
    } else if (h.query_parameter !== undefined) {
      out.push({ ...base, kind: 'query_parameter', name: String((h.query_parameter as Canonical).name ?? '') });
    } else if (h.filter_state !== undefined) {
      sink.warn(`${p}.filter_state`, 'filter_state hash policy never produces a hash here');
      out.push({ ...base, kind: 'filter_state', name: String((h.filter_state as Canonical).key ?? '') });
    } else sink.error(p, 'one of header, cookie, connection_properties, query_parameter or filter_state is required');
  });
  return out;
}

/** The named cookie's value ('' counts as absent), quotes removed, as Envoy parses Cookie headers. */
export function cookieValue(req: RouteRequest, name: string): string | undefined {
  const all = req.headers.getAll('cookie');
  for (const line of all) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const k = part.slice(0, eq).trimStart();
      if (k !== name) continue;
      let v = part.slice(eq + 1);
      if (v.length >= 2 && v[0] === '"' && v[v.length - 1] === '"') v = v.slice(1, -1);
      if (v !== '') return v;
    }
  }
  return undefined;
}

function queryOf(path: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const f = path.indexOf('#', q);
  return f < 0 ? path.slice(q + 1) : path.slice(q + 1, f);
}

function policyHash(p: CompiledHashPolicy, req: RouteRequest): bigint | undefined {
  switch (p.kind) {
    case 'header': {
      let values = p.name === ':authority' || p.name === 'host' ? [req.authority] : p.name === ':path' ? [req.path] : p.name === ':method' ? [req.method] : req.headers.getAll(p.name);
      if (values.length === 0) return undefined;
      if (p.rewrite !== undefined) values = values.map((v) => p.rewrite!.re.replaceAll(v, p.rewrite!.sub));
      if (values.length === 1) return xxHash64(values[0]);
      return xxHash64([...values].sort().join(''));
    }
    case 'cookie': {
      const v = cookieValue(req, p.name);
      return v === undefined ? undefined : xxHash64(v);
    }
    case 'source_ip':
      return req.downstreamRemoteIp ? xxHash64(req.downstreamRemoteIp) : undefined;
    case 'query_parameter': {
      const q = queryOf(req.path);
      const v = q === undefined ? undefined : firstQueryValue(q, p.name);
      return v === undefined ? undefined : xxHash64(v);
    }
    default:
      return undefined;
  }
}

export function generateHash(policies: readonly CompiledHashPolicy[], req: RouteRequest): bigint | undefined {
  let hash: bigint | undefined;
  for (const p of policies) {
    const h = policyHash(p, req);
    if (h !== undefined) {
      const old = hash === undefined ? 0n : ((hash << 1n) | (hash >> 63n)) & M64;
      hash = old ^ h;
    }
    if (p.terminal && hash !== undefined) break;
  }
  return hash;
}
