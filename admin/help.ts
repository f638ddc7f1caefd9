/**
 * /help (and the tail of every 404): `admin commands are:` then, sorted by path, one line per
 * handler with ` (POST)` for state-mutating ones, and its parameters indented six spaces; enum
 * parameters end with `; One of (a, b)`.
 */
import type { AdminHandler } from './admin-handler';

export function sortedHandlers(handlers: readonly AdminHandler[]): AdminHandler[] {
  return [...handlers].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
}

export function helpText(handlers: readonly AdminHandler[]): string {
  let out = 'admin commands are:\n';
  for (const h of sortedHandlers(handlers)) {
    out += `  ${h.prefix}${h.mutatesState ? ' (POST)' : ''}: ${h.help}\n`;
    for (const p of h.params) {
      out += `      ${p.id}: ${p.help}`;
      if (p.type === 'enum') out += `; One of (${(p.choices ?? []).join(', ')})`;
      out += '\n';
    }
  }
  return out;
}
