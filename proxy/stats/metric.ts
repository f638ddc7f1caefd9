// Fields every stored stat shares: its full name, tag-extracted name and tags, and how many live
// scopes hold it. Kept small: one of these exists per stat. Tags are extracted on first read, not
// at creation: only tagged output (Prometheus, sinks) reads them, and running every tag regex over
// the ~75 stats of each of 10,000 xDS clusters would dominate the time to apply the push.

import type { FlatTags } from './tag-producer';

export const NO_TAGS: FlatTags = Object.freeze([]) as FlatTags;

/** Computes a stat's tag-extracted name and tags from its full name (the store, per stats_config). */
export interface TagResolver {
  resolveTags(name: string): readonly [string, FlatTags];
}

export abstract class Metric {
  /** Live scopes holding this stat; stats created on the store root are pinned (never 0). */
  refs = 0;
  /** The tag-extracted name once resolved; until then, who resolves it. */
  private ten: string | TagResolver;
  private tagList: FlatTags | undefined;

  /** Either the tag-extracted name and tags, or a resolver that computes both on first read. */
  constructor(
    readonly name: string,
    tagExtractedName: string | TagResolver,
    tags?: FlatTags,
  ) {
    this.ten = tagExtractedName;
    this.tagList = typeof tagExtractedName === 'string' ? (tags ?? NO_TAGS) : undefined;
  }

  get tagExtractedName(): string {
    if (this.tagList === undefined) this.resolve();
    return this.ten as string;
  }

  get tags(): FlatTags {
    if (this.tagList === undefined) this.resolve();
    return this.tagList!;
  }

  /** Whether the tags were computed (a store gives back interned names only then). */
  get tagsResolved(): boolean {
    return this.tagList !== undefined;
  }

  private resolve(): void {
    const [ten, tags] = (this.ten as TagResolver).resolveTags(this.name);
    this.ten = ten;
    this.tagList = tags;
  }

  /** Whether the stat was ever written (for `usedonly`). */
  abstract isUsed(): boolean;
}
