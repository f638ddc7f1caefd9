// The data plane as the server sees it: static clusters and listeners built from the bootstrap,
// started after the admin API and stopped before it. The wiring of each manager lives here so
// server.ts stays about lifecycle.
import { Canonical } from '../config/canonical';
import { ConfigIssue } from '../config/result';
import type { AdminClusterView, AdminListenerView } from '../../admin/admin-target';
import type { Server } from './server';
import type { DynamicDumps } from './config-dump';

export class DataPlane {
  constructor(private readonly server: Server) {}

  validate(): ConfigIssue[] {
    return [];
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  activeConnections(): number {
    return 0;
  }

  listeners(): AdminListenerView[] {
    return [];
  }

  clusters(): AdminClusterView[] {
    return [];
  }

  /** xDS-delivered resources for /config_dump; none until the xDS client is wired. */
  dynamicDumps?(): DynamicDumps;

  async drainListeners(_opts: { inboundOnly: boolean; graceful: boolean }): Promise<void> {}

  staticListeners(): readonly Canonical[] {
    return this.server.snapshot.staticListeners;
  }

  staticClusters(): readonly Canonical[] {
    return this.server.snapshot.staticClusters;
  }
}
