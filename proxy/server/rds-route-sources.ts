// Route tables named by HCMs through `rds`: one swappable source per name, so an RDS update
// changes the table atomically for new requests while requests in flight keep the entry they
// matched. Until a table arrives the source matches nothing (404 NR), as Envoy without routes.
import type { DownstreamConnectionInfo } from '../http/stream-info';
import type { RequestHead } from '../http/filter-types';
import type { RouteSource, RouteView } from '../http/route-view';

export class RdsRouteSource implements RouteSource {
  table: RouteSource | undefined;

  constructor(readonly name: string) {}

  match(request: RequestHead, connection: DownstreamConnectionInfo, randomValue: number): RouteView | undefined {
    return this.table?.match(request, connection, randomValue);
  }
}

export class RdsRouteSources {
  private readonly byName = new Map<string, RdsRouteSource>();

  source(name: string): RdsRouteSource {
    let s = this.byName.get(name);
    if (!s) this.byName.set(name, (s = new RdsRouteSource(name)));
    return s;
  }

  /**
   * Forgets a name no listener holds any more: a later listener naming it gets a new, empty source
   * and warms on a new subscription. Listeners built on the old source keep it (they drain on it).
   */
  drop(name: string): void {
    this.byName.delete(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
