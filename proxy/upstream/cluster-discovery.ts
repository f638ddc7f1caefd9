// Starts the host discovery of a cluster by its type: STATIC (and EDS with an inline
// load_assignment) set hosts once; STRICT_DNS keeps every address of every name; LOGICAL_DNS
// keeps one host whose address follows the first answer; ORIGINAL_DST creates hosts on demand;
// EDS without an inline assignment waits for ClusterImpl.updateEndpoints (xDS).
import type { ClusterImpl, HostSpec } from './cluster-impl';
import { EndpointSpec, socketAddress } from './endpoint-config';
import { ResolveResult, ResolveTarget } from './dns-discovery';
import { OriginalDstLb } from './original-dst-lb';

export interface Discovery {
  stop(): void;
}

const NONE: Discovery = { stop() {} };

function staticSpec(e: EndpointSpec): HostSpec | undefined {
  const a = e.address;
  if (a.kind === 'dns') return undefined;
  return { address: a, hostname: e.hostname, weight: e.weight, priority: e.priority, locality: e.locality, localityWeight: e.localityWeight, health: e.health, metadata: e.metadata, hcPort: e.hcPort, hcHostname: e.hcHostname };
}

function resolvedSpec(e: EndpointSpec, ip: string): HostSpec | undefined {
  const a = e.address;
  if (a.kind !== 'dns') return staticSpec(e);
  const address = socketAddress(ip, a.port);
  if (address === undefined) return undefined;
  return {
    address,
    hostname: e.hostname || a.hostname,
    weight: e.weight,
    priority: e.priority,
    locality: e.locality,
    localityWeight: e.localityWeight,
    health: e.health,
    metadata: e.metadata,
    hcPort: e.hcPort,
    hcHostname: e.hcHostname,
  };
}

class StrictDns implements Discovery {
  private readonly targets: ResolveTarget[] = [];
  private readonly results: HostSpec[][] = [];

  constructor(
    private readonly cluster: ClusterImpl,
    private readonly endpoints: readonly EndpointSpec[],
  ) {
    const cfg = cluster.config.dns;
    endpoints.forEach((e, i) => {
      this.results.push([]);
      const name = e.address.kind === 'dns' ? e.address.hostname : e.address.kind === 'socket' ? e.address.ip : e.address.path;
      this.targets.push(new ResolveTarget(name, cfg, (_t, r) => this.onResult(i, r)));
    });
    if (this.targets.length === 0) cluster.setHosts([]);
    for (const t of this.targets) t.start();
  }

  private onResult(i: number, r: ResolveResult | undefined): void {
    const s = this.cluster.info.clusterStats;
    s.update_attempt.inc();
    if (r === undefined) {
      s.update_failure.inc();
    } else {
      s.update_success.inc();
      const specs: HostSpec[] = [];
      for (const a of r.addresses) {
        const spec = resolvedSpec(this.endpoints[i], a.ip);
        if (spec !== undefined) specs.push(spec);
      }
      this.results[i] = specs;
    }
    if (!this.targets.every((t) => t.resolvedOnce)) return;
    const all: HostSpec[] = [];
    for (const list of this.results) all.push(...list);
    if (!this.cluster.setHosts(all)) s.update_no_rebuild.inc();
  }

  stop(): void {
    for (const t of this.targets) t.stop();
  }
}

class LogicalDns implements Discovery {
  private readonly target: ResolveTarget;

  constructor(
    private readonly cluster: ClusterImpl,
    private readonly endpoint: EndpointSpec,
  ) {
    const a = endpoint.address;
    const name = a.kind === 'dns' ? a.hostname : a.kind === 'socket' ? a.ip : a.path;
    this.target = new ResolveTarget(name, cluster.config.dns, (_t, r) => this.onResult(r));
    this.target.start();
  }

  private onResult(r: ResolveResult | undefined): void {
    const c = this.cluster;
    const s = c.info.clusterStats;
    s.update_attempt.inc();
    if (r === undefined || r.addresses.length === 0) {
      if (r === undefined) s.update_failure.inc();
      else s.update_success.inc();
      c.markHostsKnown();
      return;
    }
    s.update_success.inc();
    const spec = resolvedSpec(this.endpoint, r.addresses[0].ip);
    if (spec === undefined) return;
    const current = c.hosts[0];
    if (current === undefined) {
      c.setHosts([spec]);
    } else {
      // One logical host: new connections use the new address, existing ones carry on.
      current.setAddress(spec.address);
      s.update_no_rebuild.inc();
    }
  }

  stop(): void {
    this.target.stop();
  }
}

export function startDiscovery(cluster: ClusterImpl): Discovery {
  const cfg = cluster.config;
  switch (cfg.type) {
    case 'STATIC': {
      const specs: HostSpec[] = [];
      for (const e of cfg.assignment.endpoints) {
        const s = staticSpec(e);
        if (s !== undefined) specs.push(s);
      }
      cluster.setHosts(specs);
      return NONE;
    }
    case 'EDS': {
      if (cfg.hasLoadAssignment) {
        const specs: HostSpec[] = [];
        for (const e of cfg.assignment.endpoints) {
          const s = staticSpec(e);
          if (s !== undefined) specs.push(s);
        }
        cluster.setHosts(specs);
      }
      return NONE;
    }
    case 'STRICT_DNS':
      return new StrictDns(cluster, cfg.assignment.endpoints);
    case 'LOGICAL_DNS':
      return new LogicalDns(cluster, cfg.assignment.endpoints[0]);
    case 'ORIGINAL_DST': {
      const lb = new OriginalDstLb(cluster, cfg.originalDst);
      cluster.providedLb = lb;
      cluster.markHostsKnown();
      return { stop: () => lb.stop() };
    }
    default:
      cluster.markHostsKnown();
      return NONE;
  }
}
