// Fields every stored stat shares: its full name, tag-extracted name and tags (computed once at
// creation), and how many live scopes hold it. Kept small: one of these exists per stat.

import type { FlatTags } from './tag-producer';

export const NO_TAGS: FlatTags = Object.freeze([]) as FlatTags;

export abstract class Metric {
  /** Live scopes holding this stat; stats created on the store root are pinned (never 0). */
  refs = 0;
  constructor(
    readonly name: string,
    readonly tagExtractedName: string,
    readonly tags: FlatTags,
  ) {}
  /** Whether the stat was ever written (for `usedonly`). */
  abstract isUsed(): boolean;
}
