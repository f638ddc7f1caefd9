// normalize_path, merge_slashes and path_with_escaped_slashes_action (Envoy's PathUtil and
// ConnectionManagerUtility::maybeNormalizePath). Only the path part is touched; the query is kept.

export type EscapedSlashesAction = 'IMPLEMENTATION_SPECIFIC_DEFAULT' | 'KEEP_UNCHANGED' | 'REJECT_REQUEST' | 'UNESCAPE_AND_REDIRECT' | 'UNESCAPE_AND_FORWARD';

export interface PathOptions {
  readonly normalize: boolean;
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: EscapedSlashesAction;
}

export const enum PathResult {
  Ok,
  Reject,
  Redirect,
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;

/** RFC 3986 normalisation: decode unreserved escapes, upper-case others, resolve dot segments. */
export function canonicalPath(path: string): string | undefined {
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '%') {
      const hex = path.slice(i + 1, i + 3);
      if (!HEX2.test(hex)) return undefined;
      const ch = String.fromCharCode(parseInt(hex, 16));
      out += UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (c === '\\') out += '/';
    else out += c;
  }
  const segs = out.split('/');
  const stack: string[] = [];
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i];
    const last = i === segs.length - 1;
    if (s === '.') {
      if (last) stack.push('');
    } else if (s === '..') {
      stack.pop();
      if (last) stack.push('');
    } else stack.push(s);
  }
  return `/${stack.join('/')}`;
}

function unescapeSlashes(p: string): string {
  return p.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
}

/** Applies the options to `fullPath` (path + query); returns the result and the new path. */
export function normalizeRequestPath(fullPath: string, o: PathOptions): { result: PathResult; path: string } {
  const q = fullPath.indexOf('?');
  let path = q < 0 ? fullPath : fullPath.slice(0, q);
  const query = q < 0 ? '' : fullPath.slice(q);
  let redirect = false;
  if (o.escapedSlashes === 'REJECT_REQUEST' || o.escapedSlashes === 'UNESCAPE_AND_REDIRECT' || o.escapedSlashes === 'UNESCAPE_AND_FORWARD') {
    if (/%2f|%5c/i.test(path)) {
      if (o.escapedSlashes === 'REJECT_REQUEST') return { result: PathResult.Reject, path: fullPath };
      path = unescapeSlashes(path);
      redirect = o.escapedSlashes === 'UNESCAPE_AND_REDIRECT';
    }
  }
  if (o.normalize) {
    const c = canonicalPath(path);
    if (c === undefined) return { result: PathResult.Reject, path: fullPath };
    path = c;
  }
  if (o.mergeSlashes) path = path.replace(/\/{2,}/g, '/');
  const out = path + query;
  return { result: redirect ? PathResult.Redirect : PathResult.Ok, path: out };
}
