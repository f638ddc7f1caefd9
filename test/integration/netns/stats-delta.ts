// Reads tsenvoy's /stats text (`name: value` lines) into counters, and what moved between two reads:
// per listener downstream connections (the admin listener and the worker_N copies left out) and per
// cluster upstream connections and requests.

export type Stats = ReadonlyMap<string, number>;

export function parseStats(text: string): Stats {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i < 0) continue;
    const v = Number(line.slice(i + 2));
    if (Number.isFinite(v)) m.set(line.slice(0, i), v);
  }
  return m;
}

export interface Moved {
  /** listener stat name (address, e.g. 0.0.0.0_15001) -> downstream_cx_total delta. */
  readonly listenerCx: Record<string, number>;
  /** cluster name -> upstream_cx_total delta. */
  readonly clusterCx: Record<string, number>;
  /** cluster name -> upstream_rq_total delta. */
  readonly clusterRq: Record<string, number>;
  /** Sum of listenerCx: one per accepted downstream connection, whichever listener served it. */
  readonly downstreamConnections: number;
}

function collect(before: Stats, after: Stats, re: RegExp, skip: (key: string) => boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, v] of after) {
    const m = re.exec(name);
    if (!m || skip(m[1])) continue;
    const d = v - (before.get(name) ?? 0);
    if (d !== 0) out[m[1]] = d;
  }
  return out;
}

export function moved(before: Stats, after: Stats): Moved {
  const listenerCx = collect(before, after, /^listener\.(.+)\.downstream_cx_total$/, (k) => k === 'admin' || /\.worker_\d+$/.test(k));
  return {
    listenerCx,
    clusterCx: collect(before, after, /^cluster\.(.+)\.upstream_cx_total$/, () => false),
    clusterRq: collect(before, after, /^cluster\.(.+)\.upstream_rq_total$/, () => false),
    downstreamConnections: Object.values(listenerCx).reduce((a, b) => a + b, 0),
  };
}
