// What one load run reports, whichever generator made it (wrk for the table, a Node client for
// the smoke test).
export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  /** Non-2xx responses plus socket errors. */
  readonly errors: number;
}

/** Generates load against 127.0.0.1:port for a fixed time or count. */
export type Load = (port: number) => Promise<LoadResult>;
