// filter_chain_matcher: the generic xds.type.matcher.v3.Matcher (matcher_tree with exact/prefix
// maps or the IPMatcher custom matcher, matcher_list with predicates, on_no_match) compiled into
// small node objects whose action is the name of a filter chain (google.protobuf.StringValue).
// A nested matcher that does not match falls back to the enclosing matcher's on_no_match, as in
// current Envoy; the IPMatcher tries shorter ranges unless a range is `exclusive`.
import type { Canonical } from '../../config/canonical';
import type { IssueSink } from '../../config/result';
import { typeNameOfUrl } from '../../config/schema/schema';
import { checkCidr, CidrTable, parseIp } from '../../network/cidr-table';
import { compileStringMatcher, StringMatcher } from '../../router/string-matcher';
import type { MatchFacts } from '../types';
import { MatchInput, matchInputFor } from './matcher-inputs';

const STRING_VALUE = 'google.protobuf.StringValue';
const IP_MATCHER = 'xds.type.matcher.v3.IPMatcher';
const MAX_DEPTH = 16;

/** Evaluates to the chosen filter chain's name, or undefined (no match). */
export interface MatcherNode {
  evaluate(f: MatchFacts): string | undefined;
}

type OnMatch = MatcherNode | string;

function run(m: OnMatch | undefined, f: MatchFacts): string | undefined {
  if (m === undefined) return undefined;
  return typeof m === 'string' ? m : m.evaluate(f);
}

class ExactMap implements MatcherNode {
  constructor(
    private readonly input: MatchInput,
    private readonly map: Map<string, OnMatch>,
    private readonly onNoMatch: OnMatch | undefined,
  ) {}
  evaluate(f: MatchFacts): string | undefined {
    const v = this.input.value(f);
    if (v !== undefined) {
      const r = run(this.map.get(v), f);
      if (r !== undefined) return r;
    }
    return run(this.onNoMatch, f);
  }
}

class PrefixMap implements MatcherNode {
  /** Longest prefix first. */
  private readonly entries: [string, OnMatch][];
  constructor(
    private readonly input: MatchInput,
    map: Map<string, OnMatch>,
    private readonly onNoMatch: OnMatch | undefined,
  ) {
    this.entries = [...map].sort((a, b) => b[0].length - a[0].length);
  }
  evaluate(f: MatchFacts): string | undefined {
    const v = this.input.value(f);
    if (v !== undefined) {
      for (const [p, m] of this.entries) {
        if (!v.startsWith(p)) continue;
        const r = run(m, f);
        if (r !== undefined) return r;
      }
    }
    return run(this.onNoMatch, f);
  }
}

interface RangeEntry {
  readonly onMatch: OnMatch;
  readonly exclusive: boolean;
}

class IpMatcher implements MatcherNode {
  constructor(
    private readonly input: MatchInput,
    private readonly table: CidrTable<RangeEntry[]>,
    private readonly onNoMatch: OnMatch | undefined,
  ) {}
  evaluate(f: MatchFacts): string | undefined {
    const ip = this.input.ip ? this.input.ip(f) : parseIp(this.input.value(f) ?? '');
    const hits = this.table.lookupAll(ip);
    for (const list of hits) {
      for (const e of list) {
        const r = run(e.onMatch, f);
        if (r !== undefined) return r;
        if (e.exclusive) return run(this.onNoMatch, f);
      }
    }
    return run(this.onNoMatch, f);
  }
}

type Predicate = (f: MatchFacts) => boolean;

class MatcherList implements MatcherNode {
  constructor(
    private readonly items: readonly (readonly [Predicate, OnMatch])[],
    private readonly onNoMatch: OnMatch | undefined,
  ) {}
  evaluate(f: MatchFacts): string | undefined {
    for (const [pred, m] of this.items) {
      if (!pred(f)) continue;
      const r = run(m, f);
      if (r !== undefined) return r;
    }
    return run(this.onNoMatch, f);
  }
}

class Compiler {
  constructor(private readonly sink: IssueSink) {}

  matcher(c: Canonical, path: string, depth: number): MatcherNode | undefined {
    if (depth > MAX_DEPTH) {
      this.sink.error(path, `matcher nesting deeper than ${MAX_DEPTH}`);
      return undefined;
    }
    const onNoMatch = c.on_no_match ? this.onMatch(c.on_no_match as Canonical, `${path}.on_no_match`, depth) : undefined;
    if (c.matcher_tree) return this.tree(c.matcher_tree as Canonical, `${path}.matcher_tree`, onNoMatch, depth);
    if (c.matcher_list) return this.list(c.matcher_list as Canonical, `${path}.matcher_list`, onNoMatch, depth);
    this.sink.error(path, 'one of matcher_list or matcher_tree must be set');
    return undefined;
  }

  private input(c: Canonical | undefined, path: string): MatchInput | undefined {
    const tc = c?.typed_config as Canonical | undefined;
    const type = tc ? typeNameOfUrl(String(tc['@type'])) : '';
    const input = matchInputFor(type);
    if (!input) this.sink.error(`${path}.typed_config`, `unsupported matching input '${type || '(none)'}' for filter_chain_matcher`);
    return input;
  }

  private onMatch(c: Canonical, path: string, depth: number): OnMatch | undefined {
    if (c.matcher) return this.matcher(c.matcher as Canonical, `${path}.matcher`, depth + 1);
    const action = c.action as Canonical | undefined;
    const tc = action?.typed_config as Canonical | undefined;
    if (!tc) {
      this.sink.error(path, 'on_match needs a matcher or an action');
      return undefined;
    }
    const type = typeNameOfUrl(String(tc['@type']));
    if (type !== STRING_VALUE) {
      this.sink.error(`${path}.action.typed_config`, `filter chain matcher action must be ${STRING_VALUE}, got '${type}'`);
      return undefined;
    }
    const v = tc.value;
    return typeof v === 'string' ? v : '';
  }

  private onMatchMap(m: Canonical | undefined, path: string, depth: number): Map<string, OnMatch> {
    const out = new Map<string, OnMatch>();
    const map = (m?.map ?? {}) as Record<string, Canonical>;
    for (const [k, v] of Object.entries(map)) {
      const om = this.onMatch(v, `${path}.map["${k}"]`, depth);
      if (om !== undefined) out.set(k, om);
    }
    return out;
  }

  private tree(c: Canonical, path: string, onNoMatch: OnMatch | undefined, depth: number): MatcherNode | undefined {
    const input = this.input(c.input as Canonical | undefined, `${path}.input`);
    if (!input) return undefined;
    if (c.exact_match_map) return new ExactMap(input, this.onMatchMap(c.exact_match_map as Canonical, `${path}.exact_match_map`, depth), onNoMatch);
    if (c.prefix_match_map) return new PrefixMap(input, this.onMatchMap(c.prefix_match_map as Canonical, `${path}.prefix_match_map`, depth), onNoMatch);
    if (c.custom_match) {
      const cm = c.custom_match as Canonical;
      const tc = cm.typed_config as Canonical | undefined;
      const type = tc ? typeNameOfUrl(String(tc['@type'])) : '';
      if (type !== IP_MATCHER || !tc) {
        this.sink.error(`${path}.custom_match`, `unsupported custom matcher '${type}'`);
        return undefined;
      }
      if (!input.ip) {
        this.sink.error(`${path}.custom_match`, `IPMatcher needs an IP input, got ${input.name}`);
        return undefined;
      }
      const table = new CidrTable<RangeEntry[]>();
      ((tc.range_matchers as Canonical[] | undefined) ?? []).forEach((rm, i) => {
        const p = `${path}.custom_match.typed_config.range_matchers[${i}]`;
        const om = rm.on_match ? this.onMatch(rm.on_match as Canonical, `${p}.on_match`, depth) : undefined;
        if (om === undefined) {
          if (!rm.on_match) this.sink.error(`${p}.on_match`, 'value is required');
          return;
        }
        const entry: RangeEntry = { onMatch: om, exclusive: rm.exclusive === true };
        ((rm.ranges as Canonical[] | undefined) ?? []).forEach((r, j) => {
          const spec = checkCidr(String(r.address_prefix ?? ''), typeof r.prefix_len === 'number' ? r.prefix_len : 0);
          if (typeof spec === 'string') {
            this.sink.error(`${p}.ranges[${j}]`, spec);
            return;
          }
          const list = table.get(spec);
          if (list) list.push(entry);
          else table.set(spec, [entry]);
        });
      });
      return new IpMatcher(input, table, onNoMatch);
    }
    this.sink.error(path, 'one of exact_match_map, prefix_match_map or custom_match must be set');
    return undefined;
  }

  private list(c: Canonical, path: string, onNoMatch: OnMatch | undefined, depth: number): MatcherNode | undefined {
    const items: [Predicate, OnMatch][] = [];
    ((c.matchers as Canonical[] | undefined) ?? []).forEach((fm, i) => {
      const p = `${path}.matchers[${i}]`;
      const pred = this.predicate(fm.predicate as Canonical | undefined, `${p}.predicate`);
      const om = fm.on_match ? this.onMatch(fm.on_match as Canonical, `${p}.on_match`, depth) : undefined;
      if (pred && om !== undefined) items.push([pred, om]);
    });
    return new MatcherList(items, onNoMatch);
  }

  private predicate(c: Canonical | undefined, path: string): Predicate | undefined {
    if (!c) {
      this.sink.error(path, 'value is required');
      return undefined;
    }
    if (c.single_predicate) {
      const sp = c.single_predicate as Canonical;
      const input = this.input(sp.input as Canonical | undefined, `${path}.single_predicate.input`);
      if (!input) return undefined;
      if (sp.value_match) {
        const m: StringMatcher | undefined = compileStringMatcher(sp.value_match as Canonical, `${path}.single_predicate.value_match`, this.sink);
        if (!m) return undefined;
        return (f) => {
          const v = input.value(f);
          return v !== undefined && m.match(v);
        };
      }
      this.sink.error(`${path}.single_predicate`, 'only value_match is supported');
      return undefined;
    }
    const sub = (key: string): Predicate[] | undefined => {
      const preds = (((c[key] as Canonical).predicate as Canonical[] | undefined) ?? []).map((x, i) => this.predicate(x, `${path}.${key}.predicate[${i}]`));
      return preds.every((x) => x !== undefined) ? (preds as Predicate[]) : undefined;
    };
    if (c.or_matcher) {
      const ps = sub('or_matcher');
      return ps && ((f) => ps.some((p) => p(f)));
    }
    if (c.and_matcher) {
      const ps = sub('and_matcher');
      return ps && ((f) => ps.every((p) => p(f)));
    }
    if (c.not_matcher) {
      const p = this.predicate(c.not_matcher as Canonical, `${path}.not_matcher`);
      return p && ((f) => !p(f));
    }
    this.sink.error(path, 'one of single_predicate, or_matcher, and_matcher or not_matcher must be set');
    return undefined;
  }
}

export function compileFilterChainMatcher(c: Canonical, path: string, sink: IssueSink): MatcherNode | undefined {
  return new Compiler(sink).matcher(c, path, 0);
}
