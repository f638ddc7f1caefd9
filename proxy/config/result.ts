// Decoding and validation report every problem at once, each naming its full field path
// (e.g. `static_resources.clusters[0].conect_timeout: unknown field`), as Envoy's validate mode does.

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export type Result<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly ConfigIssue[] }
  | { readonly ok: false; readonly errors: readonly ConfigIssue[]; readonly warnings: readonly ConfigIssue[] };

export function formatIssue(i: ConfigIssue): string {
  return i.path ? `${i.path}: ${i.message}` : i.message;
}

export function joinPath(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** Collects issues while a tree is walked; `ok()` turns the walk into a Result. */
export class IssueSink {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  result<T>(value: T): Result<T> {
    if (this.errors.length) return { ok: false, errors: this.errors, warnings: this.warnings };
    return { ok: true, value, warnings: this.warnings };
  }
}

/** Thrown where a caller wants an exception rather than a Result; the message lists every issue. */
export class ConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[], context?: string) {
    super((context ? `${context}: ` : '') + issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
  }
}
