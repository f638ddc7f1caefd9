// Small helpers shared by the stats tests.

import { parseStatsParams, type StatsParams } from '../../../proxy/stats/stats-params';

/** Parsed admin query params; throws on invalid input. */
export function params(query = ''): StatsParams {
  const r = parseStatsParams(query);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
