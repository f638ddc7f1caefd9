// What the connection manager needs to know about the route a request matched, and how it gets
// one. The router module adapts the route table to this; the HCM never sees route internals.
import type { RequestHead } from './filter-types';
import type { DownstreamConnectionInfo } from './stream-info';

export interface RouteView {
  /** route.name (%ROUTE_NAME%); '' when unnamed. */
  readonly routeName: string;
  /** typed_per_filter_config for `filterName`, most specific level first (route, vhost, ...). */
  perFilterConfig(filterName: string): unknown;
  /** The route's upgrade_configs entry for `type`: true/false, or undefined when not listed. */
  upgradeEnabled(type: string): boolean | undefined;
  /** route.idle_timeout: replaces stream_idle_timeout (0 disables); undefined when not set. */
  readonly idleTimeoutMs?: number | undefined;
}

/** The route table the HCM consults; swapped atomically by RDS (in-flight streams keep theirs). */
export interface RouteSource {
  /** The matched route, or undefined (no virtual host / no route: the router answers 404 NR). */
  match(request: RequestHead, connection: DownstreamConnectionInfo, randomValue: number): RouteView | undefined;
}
