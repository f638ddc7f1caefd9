// One tag extractor: given a full stat name, adds (tag name, value) and the character range to cut
// out of the name. Three kinds, as in Envoy: regex (RE2 rules for the built-ins, std::regex rules
// for custom stats_tags), tokenized patterns, and fixed values. Runs only when a stat is created.

/** Per-name scratch shared by all extractors run on one stat name. */
export class TagExtractionContext {
  private tokenList: string[] | undefined;
  constructor(readonly name: string) {}
  tokens(): string[] {
    if (this.tokenList === undefined) this.tokenList = this.name.split('.');
    return this.tokenList;
  }
}

export interface TagExtractor {
  readonly name: string;
  /** First token of names this extractor can match; '' means it must be tried on every name. */
  readonly prefix: string;
  /** Set when several extractors share a tag name: the first that matches wins. */
  otherWithSameName: boolean;
  /** On match pushes name and value onto `tags` and [start, end) onto `removals`. */
  extract(ctx: TagExtractionContext, tags: string[], removals: number[]): boolean;
}

/**
 * The literal first token of an anchored regex (`^cluster\.` -> `cluster`), used to index extractors
 * by a name's first token. Mirrors Envoy's extractRegexPrefix, including its `$` special case.
 */
export function regexPrefixToken(regex: string): string {
  if (!regex.startsWith('^')) return '';
  for (let i = 1; i < regex.length; i++) {
    const c = regex.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (alnum) continue;
    if (i > 1) {
      const last = i === regex.length - 1;
      const rest = regex.slice(i);
      if ((!last && (rest.startsWith('\\.') || rest.startsWith('(?=\\.)'))) || (last && regex[i] === '$')) {
        return regex.slice(1, i);
      }
    }
    return '';
  }
  return '';
}

/** How group values are interpreted: Envoy's RE2 path or its std::regex path. */
export type RegexSemantics = 're2' | 'std';

export class RegexTagExtractor implements TagExtractor {
  readonly prefix: string;
  otherWithSameName = false;
  private readonly twoGroups: boolean;

  /** `regex` must carry the 'd' flag (group indices). `source` is the configured text. */
  constructor(
    readonly name: string,
    source: string,
    private readonly regex: RegExp,
    private readonly semantics: RegexSemantics,
    private readonly substr = '',
    private readonly negativeMatch = '',
  ) {
    this.prefix = regexPrefixToken(source);
    this.twoGroups = countGroups(regex) >= 2;
  }

  extract(ctx: TagExtractionContext, tags: string[], removals: number[]): boolean {
    const statName = ctx.name;
    if (this.substr !== '' && statName.indexOf(this.substr) < 0) return false;
    this.regex.lastIndex = 0;
    const m = this.regex.exec(statName);
    if (m === null || m.indices === undefined) return false;
    if (this.semantics === 're2') {
      // RE2::PartialMatch with two output args fails outright when the regex has fewer groups.
      if (!this.twoGroups) return false;
      const remove = m[1] ?? '';
      if (remove === '') return false;
      const value = m[2] ? m[2] : remove;
      if (this.negativeMatch !== '' && this.negativeMatch === value) return false;
      const [s, e] = m.indices[1]!;
      tags.push(this.name, value);
      removals.push(s, e);
      return true;
    }
    // std::regex: needs at least one group; value is group 2 when the regex has one, else group 1.
    if (m.length < 2) return false;
    const value = (m.length > 2 ? m[2] : m[1]) ?? '';
    tags.push(this.name, value);
    const r = m.indices[1];
    if (r !== undefined) removals.push(r[0], r[1]);
    return true;
  }
}

function countGroups(re: RegExp): number {
  // A regex matching the empty string has as many captures as groups; build one cheaply.
  return new RegExp(`${re.source}|`).exec('')!.length - 1;
}

export class TokensTagExtractor implements TagExtractor {
  readonly prefix: string;
  otherWithSameName = false;
  private readonly tokens: string[];
  private readonly matchIndex: number;

  constructor(readonly name: string, pattern: string) {
    this.tokens = pattern.split('.');
    this.matchIndex = Math.max(0, this.tokens.indexOf('$'));
    const first = this.tokens[0];
    this.prefix = first === '$' || first === '*' || first === '**' ? '' : first;
  }

  extract(ctx: TagExtractionContext, tags: string[], removals: number[]): boolean {
    const input = ctx.tokens();
    const found = { start: 0, index: input.length };
    if (!this.search(input, 0, 0, 0, found)) return false;
    const value = input[found.index];
    let start = found.start;
    let end = start + value.length;
    // Cut "value." when more tokens follow, otherwise ".value".
    if (found.index < input.length - 1) end++;
    else if (start > 0) start--;
    tags.push(this.name, value);
    removals.push(start, end);
    return true;
  }

  private search(
    input: string[],
    inputIndex: number,
    patternIndex: number,
    charIndex: number,
    found: { start: number; index: number },
  ): boolean {
    const pat = this.tokens;
    for (; inputIndex < input.length && patternIndex < pat.length; inputIndex++, patternIndex++) {
      if (patternIndex === this.matchIndex) {
        found.start = charIndex;
        found.index = inputIndex;
        // Envoy does not advance the character index past the matched token; nothing after
        // the match reads it, so we keep the same behaviour.
        continue;
      }
      const expected = pat[patternIndex];
      if (expected === '**') {
        if (patternIndex === pat.length - 1) return true;
        patternIndex++;
        for (; inputIndex < input.length; inputIndex++) {
          if (this.search(input, inputIndex, patternIndex, charIndex, found)) return true;
          charIndex += input[inputIndex].length + 1;
        }
        return false;
      }
      const token = input[inputIndex];
      if (expected !== '*' && expected !== token) return false;
      charIndex += token.length + 1;
    }
    return patternIndex === pat.length && inputIndex === input.length;
  }
}

export class FixedTagExtractor implements TagExtractor {
  readonly prefix: string;
  otherWithSameName = false;
  constructor(readonly name: string, private readonly value: string) {
    // Envoy derives the index prefix from the value as if it were a regex; keep that quirk.
    this.prefix = regexPrefixToken(value);
  }
  extract(_ctx: TagExtractionContext, tags: string[]): boolean {
    tags.push(this.name, this.value);
    return true;
  }
}
