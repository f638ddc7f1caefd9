// Tag producer: the ordered set of tag extractors built from stats_config (defaults unless
// use_all_default_tags is false, then custom stats_tags), turning a full stat name into its
// tag-extracted name and tags exactly as Envoy's TagProducerImpl does.

import { compileRegex } from './regex-dialects';
import type { Result, StatsConfigInput } from './stats-config';
import {
  FixedTagExtractor,
  RegexTagExtractor,
  TagExtractionContext,
  TokensTagExtractor,
  type TagExtractor,
} from './tag-extractor';
import { DEFAULT_REGEX_DESCRIPTORS, DEFAULT_TOKENIZED_DESCRIPTORS } from './well-known-tags';

/** Tags as a flat list: [name0, value0, name1, value1, ...]. */
export type FlatTags = readonly string[];

export interface ProducedTags {
  readonly tagExtractedName: string;
  readonly tags: FlatTags;
}

export class TagProducer {
  private readonly withoutPrefix: TagExtractor[] = [];
  private readonly byPrefix = new Map<string, TagExtractor[]>();
  private readonly byName = new Map<string, TagExtractor>();

  add(extractor: TagExtractor): void {
    const other = this.byName.get(extractor.name);
    if (other === undefined) this.byName.set(extractor.name, extractor);
    else {
      other.otherWithSameName = true;
      extractor.otherWithSameName = true;
    }
    if (extractor.prefix === '') this.withoutPrefix.push(extractor);
    else {
      const list = this.byPrefix.get(extractor.prefix);
      if (list) list.push(extractor);
      else this.byPrefix.set(extractor.prefix, [extractor]);
    }
  }

  /** Envoy's produceTags: every extractor sees the original name; cut ranges are removed at the end. */
  produce(name: string): ProducedTags {
    const ctx = new TagExtractionContext(name);
    const tags: string[] = [];
    const removals: number[] = [];
    let seen: Set<string> | undefined;
    const run = (list: TagExtractor[]): void => {
      for (const ex of list) {
        if (ex.otherWithSameName && seen !== undefined && seen.has(ex.name)) continue;
        if (ex.extract(ctx, tags, removals) && ex.otherWithSameName) (seen ??= new Set()).add(ex.name);
      }
    };
    run(this.withoutPrefix);
    const dot = name.indexOf('.');
    if (dot >= 0) {
      const list = this.byPrefix.get(name.slice(0, dot));
      if (list !== undefined) run(list);
    }
    return { tagExtractedName: removals.length === 0 ? name : removeRanges(name, removals), tags };
  }
}

/** Removes the union of [start, end) ranges from s. */
function removeRanges(s: string, flat: number[]): string {
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < flat.length; i += 2) if (flat[i] < flat[i + 1]) ranges.push([flat[i], flat[i + 1]]);
  ranges.sort((a, b) => a[0] - b[0]);
  let out = '';
  let pos = 0;
  for (const [start, end] of ranges) {
    if (end <= pos) continue;
    if (start > pos) out += s.slice(pos, start);
    pos = Math.max(pos, end);
  }
  return out + s.slice(pos);
}

function addDefaultsNamed(producer: TagProducer, name: string | undefined): number {
  let n = 0;
  for (const d of DEFAULT_REGEX_DESCRIPTORS) {
    if (name !== undefined && d.name !== name) continue;
    const r = compileRegex(d.regex, 're2', 'd');
    if (!r.ok) throw new Error(`built-in tag regex for ${d.name} does not compile: ${r.error}`);
    producer.add(new RegexTagExtractor(d.name, d.regex, r.regex, 're2', d.substr, d.negativeMatch));
    n++;
  }
  for (const d of DEFAULT_TOKENIZED_DESCRIPTORS) {
    if (name !== undefined && d.name !== name) continue;
    producer.add(new TokensTagExtractor(d.name, d.pattern));
    n++;
  }
  return n;
}

/** Builds the producer for a StatsConfig; errors carry field paths. */
export function compileTagProducer(config: StatsConfigInput | undefined): Result<TagProducer> {
  const producer = new TagProducer();
  if (config?.use_all_default_tags !== false) addDefaultsNamed(producer, undefined);
  const errors: string[] = [];
  (config?.stats_tags ?? []).forEach((spec, i) => {
    const path = `stats_tags[${i}]`;
    const name = spec.tag_name ?? '';
    if (name === '') {
      errors.push(`${path}.tag_name: tag_name cannot be empty`);
      return;
    }
    if (spec.regex !== undefined && spec.fixed_value !== undefined) {
      errors.push(`${path}: only one of regex, fixed_value may be set`);
      return;
    }
    if (spec.fixed_value !== undefined) {
      producer.add(new FixedTagExtractor(name, spec.fixed_value));
      return;
    }
    if (spec.regex === undefined || spec.regex === '') {
      if (addDefaultsNamed(producer, name) === 0) {
        errors.push(`${path}: No regex specified for tag specifier and no default regex for name: '${name}'`);
      }
      return;
    }
    const r = compileRegex(spec.regex, 'ecmascript', 'd');
    if (!r.ok) {
      errors.push(`${path}.regex: Invalid regex '${spec.regex}': ${r.error}`);
      return;
    }
    producer.add(new RegexTagExtractor(name, spec.regex, r.regex, 'std'));
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: producer };
}
