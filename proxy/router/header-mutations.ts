// One level's *_headers_to_add / *_headers_to_remove (Envoy's HeaderParser), compiled once.
// Evaluation order is Envoy's: removals first; then every value is formatted against the headers
// as they stood before any addition; then all overwrites, then all appends. An empty value is
// skipped unless keep_empty_value. Pseudo-headers and Host may be neither added nor removed.
import type { Canonical } from '../config/canonical';
import type { IssueSink } from '../config/result';
import type { HeaderMap } from '../http/header-map';
import type { StreamInfo } from '../http/stream-info';
import type { AppendAction, HeaderFormatterFactory, HeaderMutations, HeaderValueFormatter } from './types';

const enum Action {
  AppendOrAdd,
  AddIfAbsent,
  OverwriteOrAdd,
  OverwriteIfExists,
}

const ACTIONS: Record<AppendAction, Action> = {
  APPEND_IF_EXISTS_OR_ADD: Action.AppendOrAdd,
  ADD_IF_ABSENT: Action.AddIfAbsent,
  OVERWRITE_IF_EXISTS_OR_ADD: Action.OverwriteOrAdd,
  OVERWRITE_IF_EXISTS: Action.OverwriteIfExists,
};

interface AddEntry {
  readonly name: string;
  readonly literal: string;
  readonly formatter: HeaderValueFormatter | undefined;
  readonly action: Action;
  readonly keepEmpty: boolean;
}

function modifiable(name: string): boolean {
  return name.length > 0 && name.charCodeAt(0) !== 58 && name !== 'host';
}

class CompiledHeaderMutations implements HeaderMutations {
  readonly isEmpty: boolean;
  // Scratch space reused across calls: the hot path allocates no arrays.
  private readonly values: string[];
  private readonly take: boolean[];
  constructor(
    private readonly remove: readonly string[],
    private readonly add: readonly AddEntry[],
  ) {
    this.isEmpty = remove.length === 0 && add.length === 0;
    this.values = new Array<string>(add.length).fill('');
    this.take = new Array<boolean>(add.length).fill(false);
  }

  apply(headers: HeaderMap, info: StreamInfo | undefined): void {
    const rm = this.remove;
    for (let i = 0; i < rm.length; i++) headers.remove(rm[i]);
    const add = this.add;
    if (add.length === 0) return;
    const values = this.values;
    const take = this.take;
    // Phase 1: format against the unmodified headers and decide.
    for (let i = 0; i < add.length; i++) {
      const a = add[i];
      const v = a.formatter === undefined || info === undefined ? a.literal : a.formatter.format(info);
      values[i] = v;
      let t = v !== '' || a.keepEmpty;
      if (t && (a.action === Action.AddIfAbsent || a.action === Action.OverwriteIfExists)) {
        t = headers.has(a.name) !== (a.action === Action.AddIfAbsent);
      }
      take[i] = t;
    }
    // Phase 2: overwrites, then appends.
    for (let i = 0; i < add.length; i++) {
      const a = add[i];
      if ((a.action === Action.OverwriteOrAdd || a.action === Action.OverwriteIfExists) && take[i]) headers.set(a.name, values[i]);
    }
    for (let i = 0; i < add.length; i++) {
      const a = add[i];
      if ((a.action === Action.AppendOrAdd || a.action === Action.AddIfAbsent) && take[i]) headers.add(a.name, values[i]);
    }
  }
}

export const EMPTY_MUTATIONS: HeaderMutations = new CompiledHeaderMutations([], []);

/**
 * Compiles `<prefix>_headers_to_add` / `<prefix>_headers_to_remove` of `obj` (prefix 'request' or
 * 'response'); errors are recorded at `path`. Returns EMPTY_MUTATIONS when the level has none.
 */
export function compileHeaderMutations(obj: Canonical, prefix: 'request' | 'response', path: string, formatters: HeaderFormatterFactory, sink: IssueSink): HeaderMutations {
  const addList = (obj[prefix === 'request' ? 'request_headers_to_add' : 'response_headers_to_add'] as Canonical[] | undefined) ?? [];
  const rmList = (obj[prefix === 'request' ? 'request_headers_to_remove' : 'response_headers_to_remove'] as string[] | undefined) ?? [];
  if (addList.length === 0 && rmList.length === 0) return EMPTY_MUTATIONS;
  const base = path === '' ? '' : `${path}.`;
  const remove: string[] = [];
  rmList.forEach((r, i) => {
    const n = String(r).toLowerCase();
    if (!modifiable(n)) sink.error(`${base}${prefix}_headers_to_remove[${i}]`, ':-prefixed or host headers may not be removed');
    else remove.push(n);
  });
  const add: AddEntry[] = [];
  addList.forEach((o, i) => {
    const p = `${base}${prefix}_headers_to_add[${i}]`;
    const h = (o.header ?? {}) as Canonical;
    const name = String(h.key ?? '').toLowerCase();
    if (name === '') {
      sink.error(`${p}.header.key`, 'header key is required');
      return;
    }
    if (!modifiable(name)) {
      sink.error(`${p}.header.key`, ':-prefixed or host headers may not be modified');
      return;
    }
    let action: Action;
    if (o.append !== undefined) {
      if (o.append_action !== undefined && o.append_action !== 'APPEND_IF_EXISTS_OR_ADD') {
        sink.error(p, "Both append and append_action are set and it's not allowed");
        return;
      }
      action = o.append === true ? Action.AppendOrAdd : Action.OverwriteOrAdd;
    } else action = ACTIONS[(o.append_action as AppendAction | undefined) ?? 'APPEND_IF_EXISTS_OR_ADD'] ?? Action.AppendOrAdd;
    const raw = typeof h.value === 'string' ? h.value : Buffer.isBuffer(h.raw_value) ? h.raw_value.toString('latin1') : '';
    const f = formatters(raw);
    if (!f.ok) {
      sink.error(`${p}.header.value`, f.error);
      return;
    }
    add.push({ name, literal: raw, formatter: f.formatter, action, keepEmpty: o.keep_empty_value === true });
  });
  return new CompiledHeaderMutations(remove, add);
}
