// The HTTP filter contract (Envoy's StreamDecoderFilter / StreamEncoderFilter): a filter factory
// is built once from config and registered by config type; it makes one small filter object per
// request. Filters see the request through `FilterCallbacks` (the active stream) and may stop
// header iteration (a fault delay) and continue it later, answer locally, or edit headers.
import type { Canonical } from '../config/canonical';
import type { HeaderMapImpl } from './header-map-impl';
import type { DownstreamConnectionInfo, StreamInfo } from './stream-info';

export const enum FilterStatus {
  Continue = 0,
  /** Stop calling later filters; body arriving meanwhile is buffered until continueDecoding(). */
  StopIteration = 1,
}

/** The request as filters and the router see it: pseudo-headers apart, headers in wire order. */
export interface RequestHead {
  method: string;
  /** Path and query (":path"). */
  path: string;
  /** ":authority", the Host header on HTTP/1. */
  readonly authority: string;
  scheme: string;
  readonly headers: HeaderMapImpl;
  /** 0 = HTTP/1.0, 1 = HTTP/1.1. */
  readonly versionMinor: number;
  /** Upgrade type (lower case, e.g. 'websocket', 'connect'), or '' for a plain request. */
  readonly upgradeType: string;
}

/** What the connection manager's active stream offers each filter. */
export interface FilterCallbacks {
  readonly request: RequestHead;
  readonly streamInfo: StreamInfo;
  readonly connection: DownstreamConnectionInfo;
  /** The route for the current request (computed once and cached until cleared). */
  route(): unknown;
  clearRouteCache(): void;
  /** typed_per_filter_config for `filterName` on the route (most specific level), if any. */
  perFilterConfig(filterName: string): unknown;
  /** Resumes header iteration after StopIteration. */
  continueDecoding(): void;
  sendLocalReply(code: number, body: string, flag: number, details: string, extraHeaders?: readonly (readonly [string, string])[]): void;
  /** The terminal filter's response path. */
  encodeHeaders(status: number, headers: HeaderMapImpl, endStream: boolean): void;
  encodeData(data: Buffer, endStream: boolean): void;
  /** Switches the downstream to an opaque tunnel (after encodeHeaders of a 101 / CONNECT 2xx). */
  upgradeAccepted(): void;
  /** Flow control: stop / restart reading the downstream request. */
  readDisable(disable: boolean): void;
  /** The downstream write buffer is full (false: wait for the filter's onDownstreamDrain). */
  readonly downstreamWritable: boolean;
  /** The response has started (headers went out). */
  readonly responseStarted: boolean;
  /** Request body received so far is complete. */
  readonly requestComplete: boolean;
}

export interface HttpStreamFilter {
  decodeHeaders?(request: RequestHead, endStream: boolean): FilterStatus;
  decodeData?(data: Buffer, endStream: boolean): FilterStatus;
  /** Response headers on their way out (reverse filter order); may edit them. */
  encodeHeaders?(status: number, headers: HeaderMapImpl, endStream: boolean): void;
  /** The downstream write buffer drained. */
  onDownstreamDrain?(): void;
  /** The stream ends (complete or reset); `reset` when the downstream went away early. */
  onDestroy?(reset: boolean): void;
}

export interface HttpFilterFactory {
  /** The filter's config name (http_filters[].name), used for typed_per_filter_config lookups. */
  readonly name: string;
  readonly terminal: boolean;
  createFilter(callbacks: FilterCallbacks): HttpStreamFilter;
}

/** What a filter factory may use when it is built. */
export interface HttpFilterContext {
  readonly statPrefix: string;
  /** The stats scope `http.<stat_prefix>.`. */
  readonly scope: import('../stats/types').StatsScope;
  readonly clusterManager: import('../upstream/types').ClusterManager;
}

/** Registry create() signature for http filters. */
export type HttpFilterCreate = (config: Canonical & { readonly '@type': string }, ctx: HttpFilterContext & { readonly name: string }) => HttpFilterFactory;
