/**
 * Addresses as Envoy's admin prints them: `asString()` in text (`1.2.3.4:80`, `[::1]:80`, a pipe's
 * path) and `envoy.config.core.v3.Address` proto3 JSON (defaults omitted) in JSON.
 */
import type { AdminAddress } from './admin-target';

export function addressText(a: AdminAddress): string {
  if (a.kind === 'pipe') return a.path;
  if (a.kind === 'internal') return `envoy://${a.name}/`;
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

export function addressJson(a: AdminAddress): object {
  if (a.kind === 'pipe') {
    const pipe: Record<string, unknown> = { path: a.path };
    if (a.mode) pipe['mode'] = a.mode;
    return { pipe };
  }
  if (a.kind === 'internal') return { envoy_internal_address: { server_listener_name: a.name } };
  const socket: Record<string, unknown> = { address: a.address };
  if (a.port !== 0) socket['port_value'] = a.port;
  return { socket_address: socket };
}
