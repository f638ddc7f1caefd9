/**
 * `/`: a plain HTML index of the handlers (Envoy's admin home, without its scripts): GET endpoints
 * are links, POST endpoints are buttons, parameters are form inputs.
 */
import type { AdminHandler } from './admin-handler';
import { sortedHandlers } from './help';

export function homePage(handlers: readonly AdminHandler[]): string {
  let rows = '';
  for (const h of sortedHandlers(handlers)) {
    if (h.prefix === '/') continue;
    const method = h.mutatesState ? 'post' : 'get';
    let inputs = '';
    for (const p of h.params) {
      if (p.type === 'boolean') {
        inputs += ` <label><input type="checkbox" name="${esc(p.id)}">${esc(p.id)}</label>`;
      } else if (p.type === 'enum') {
        const opts = (p.choices ?? []).map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join('');
        inputs += ` <label>${esc(p.id)} <select name="${esc(p.id)}">${opts}</select></label>`;
      } else {
        inputs += ` <label>${esc(p.id)} <input type="text" name="${esc(p.id)}"></label>`;
      }
    }
    rows +=
      `<tr><td><form action="${esc(h.prefix)}" method="${method}">` +
      `<button type="submit">${esc(h.prefix)}</button>${inputs}</form></td>` +
      `<td>${esc(h.help)}</td></tr>\n`;
  }
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="UTF-8"><title>Envoy Admin</title></head><body>\n' +
    '<table>\n<thead><tr><th>Command</th><th>Description</th></tr></thead>\n<tbody>\n' +
    rows +
    '</tbody>\n</table>\n</body></html>\n'
  );
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
