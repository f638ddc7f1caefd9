/**
 * /listeners: one `name::address` line per listen socket, or `envoy.admin.v3.Listeners` JSON
 * (first socket is `local_address`, the rest `additional_local_addresses`).
 */
import { addressJson, addressText } from './address-format';
import type { AdminListenerView } from './admin-target';

export function listenersText(listeners: readonly AdminListenerView[]): string {
  let out = '';
  for (const l of listeners) for (const a of l.addresses) out += `${l.name}::${addressText(a)}\n`;
  return out;
}

export function listenersJson(listeners: readonly AdminListenerView[]): object {
  const statuses = listeners.map((l) => {
    const s: Record<string, unknown> = {};
    if (l.name !== '') s['name'] = l.name;
    if (l.addresses.length > 0) s['local_address'] = addressJson(l.addresses[0]!);
    if (l.addresses.length > 1) s['additional_local_addresses'] = l.addresses.slice(1).map(addressJson);
    return s;
  });
  return statuses.length === 0 ? {} : { listener_statuses: statuses };
}
