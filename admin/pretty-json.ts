/**
 * Envoy's pretty proto3 JSON layout (1-space indent, `"key": value`, `{}`/`[]` when empty, a final
 * newline) produced in pieces: the top levels are walked here and everything deeper is handed to
 * JSON.stringify one subtree at a time, so a multi-megabyte /config_dump is written in chunks
 * between which the event loop runs. The text equals `JSON.stringify(v, null, 1) + "\n"`.
 */

/** Subtrees at this depth or deeper are stringified whole (e.g. one listener of a dump). */
const DEFAULT_SPLIT_DEPTH = 4;

export function* prettyJson(value: unknown, splitDepth = DEFAULT_SPLIT_DEPTH): Generator<string> {
  yield* walk(value, 0, splitDepth);
  yield '\n';
}

/** The whole text at once, for small bodies. */
export function prettyJsonString(value: unknown): string {
  return (JSON.stringify(value, null, 1) ?? 'null') + '\n';
}

function* walk(v: unknown, depth: number, splitDepth: number): Generator<string> {
  if (depth >= splitDepth || v === null || typeof v !== 'object') {
    const s = JSON.stringify(v, null, 1) ?? 'null';
    yield depth === 0 ? s : s.replace(/\n/g, '\n' + ' '.repeat(depth));
    return;
  }
  const inner = ' '.repeat(depth + 1);
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let i = 0; i < v.length; i++) {
      yield inner;
      const e: unknown = v[i];
      yield* walk(e === undefined || typeof e === 'function' ? null : e, depth + 1, splitDepth);
      yield i < v.length - 1 ? ',\n' : '\n';
    }
    yield ' '.repeat(depth) + ']';
    return;
  }
  const keys = Object.keys(v).filter((k) => {
    const f = (v as Record<string, unknown>)[k];
    return f !== undefined && typeof f !== 'function' && typeof f !== 'symbol';
  });
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    yield `${inner}${JSON.stringify(k)}: `;
    yield* walk((v as Record<string, unknown>)[k], depth + 1, splitDepth);
    yield i < keys.length - 1 ? ',\n' : '\n';
  }
  yield ' '.repeat(depth) + '}';
}
