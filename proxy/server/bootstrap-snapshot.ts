// The validated bootstrap: everything main needs, checked once. Validate mode stops here and
// prints the issues; serve mode builds the server from it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Canonical } from '../config/canonical';
import { BOOTSTRAP_TYPE, loadBootstrap } from '../config/bootstrap-source';
import { checkExtensions } from '../config/extension-check';
import { ConfigIssue, Result } from '../config/result';
import { Schema } from '../config/schema/schema';
import { packageRoot } from '../common/package-root';
import { ExtensionRegistry } from '../registry/registry';
import { ServerOptions } from './options';

export interface AdminBinding {
  readonly kind: 'socket' | 'pipe';
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

export interface BootstrapSnapshot {
  /** The decoded bootstrap with the command line's node overrides applied (for /config_dump). */
  readonly bootstrap: Canonical;
  /** The file shown in logs and validate's output ('<default>' for the embedded one). */
  readonly label: string;
  readonly node: Canonical;
  readonly admin: AdminBinding | undefined;
  readonly staticListeners: readonly Canonical[];
  readonly staticClusters: readonly Canonical[];
  readonly statsConfig: Canonical | undefined;
  readonly statsFlushIntervalMs: number;
  readonly warnings: readonly ConfigIssue[];
}

/**
 * The embedded default bootstrap. The build turns the YAML into JSON (generated/) so that a plain
 * `npm start` does not load a YAML parser; the YAML stays the source a newcomer reads.
 */
export function defaultBootstrapPath(): string {
  const json = path.join(packageRoot(), 'generated', 'default-bootstrap.json');
  return fs.existsSync(json) ? json : defaultBootstrapSource();
}

export function defaultBootstrapSource(): string {
  return path.join(packageRoot(), 'proxy', 'server', 'default-bootstrap.yaml');
}

function adminBinding(b: Canonical): Result<AdminBinding | undefined> {
  const admin = b.admin as Canonical | undefined;
  const addr = admin?.address as Canonical | undefined;
  if (!addr) return { ok: true, value: undefined, warnings: [] };
  const sock = addr.socket_address as Canonical | undefined;
  const pipe = addr.pipe as Canonical | undefined;
  if (pipe) return { ok: true, value: { kind: 'pipe', host: '', port: 0, path: String(pipe.path) }, warnings: [] };
  if (!sock || sock.port_value === undefined) {
    return { ok: false, errors: [{ path: 'admin.address', message: 'needs socket_address with port_value, or pipe' }], warnings: [] };
  }
  return { ok: true, value: { kind: 'socket', host: String(sock.address ?? '0.0.0.0'), port: Number(sock.port_value), path: '' }, warnings: [] };
}

/** --service-node/--service-cluster/--service-zone override the bootstrap's node, as in Envoy. */
function nodeWithOverrides(b: Canonical, o: ServerOptions): Canonical {
  const node: Record<string, unknown> = { ...((b.node as Canonical | undefined) ?? {}) };
  if (o.serviceNode) node.id = o.serviceNode;
  if (o.serviceCluster) node.cluster = o.serviceCluster;
  if (o.serviceZone) node.locality = { ...((node.locality as object | undefined) ?? {}), zone: o.serviceZone };
  node.user_agent_name = 'envoy';
  return Object.freeze(node);
}

export function buildBootstrapSnapshot(schema: Schema, registry: ExtensionRegistry, o: ServerOptions): Result<BootstrapSnapshot> {
  const useDefault = !o.configPath && !o.configYaml;
  const configPath = useDefault ? defaultBootstrapPath() : o.configPath || undefined;
  if (configPath && !fs.existsSync(configPath)) {
    return { ok: false, errors: [{ path: '', message: `config file ${configPath} does not exist; check the path given to -c` }], warnings: [] };
  }
  const loaded = loadBootstrap(schema, {
    configPath,
    configYaml: o.configYaml || undefined,
    allowUnknownFields: o.allowUnknownStaticFields,
  });
  if (!loaded.ok) return loaded;
  const b = loaded.value;
  const errors: ConfigIssue[] = [...checkExtensions(schema, registry, BOOTSTRAP_TYPE, b)];
  const admin = adminBinding(b);
  if (!admin.ok) errors.push(...admin.errors);
  const sr = (b.static_resources as Canonical | undefined) ?? {};
  const staticListeners = (sr.listeners as Canonical[] | undefined) ?? [];
  const staticClusters = (sr.clusters as Canonical[] | undefined) ?? [];
  const seen = new Set<string>();
  staticClusters.forEach((c, i) => {
    if (seen.has(String(c.name))) errors.push({ path: `static_resources.clusters[${i}].name`, message: `duplicate cluster name '${c.name}'` });
    seen.add(String(c.name));
  });
  seen.clear();
  staticListeners.forEach((l, i) => {
    if (l.name !== undefined && seen.has(String(l.name))) errors.push({ path: `static_resources.listeners[${i}].name`, message: `duplicate listener name '${l.name}'` });
    seen.add(String(l.name));
  });
  if (errors.length) return { ok: false, errors, warnings: loaded.warnings };
  const node = nodeWithOverrides(b, o);
  return {
    ok: true,
    warnings: loaded.warnings,
    value: {
      bootstrap: Object.freeze({ ...b, node }),
      label: configPath ?? '--config-yaml',
      node,
      admin: admin.ok ? admin.value : undefined,
      staticListeners,
      staticClusters,
      statsConfig: b.stats_config as Canonical | undefined,
      statsFlushIntervalMs: (b.stats_flush_interval as number | undefined) ?? 5000,
      warnings: loaded.warnings,
    },
  };
}
