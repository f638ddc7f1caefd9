/**
 * Every admin endpoint, looked up by exact path as Envoy's AdminImpl::makeRequest does, with the
 * 404 (`invalid path. ` + help) and 405 (`Method X not allowed, POST required.`) rules.
 */
import type { AdminHandler, AdminRequest, AdminResponse } from './admin-handler';
import { text } from './admin-handler';
import type { AdminTarget } from './admin-target';
import { commandHandlers } from './command-handlers';
import { configDumpHandler } from './config-dump-handler';
import { helpText } from './help';
import { homePage } from './home-page';
import { infoHandlers } from './info-handlers';
import { statsHandlers } from './stats-handlers';

export class HandlerTable {
  private readonly handlers: AdminHandler[];
  private readonly byPrefix = new Map<string, AdminHandler>();

  constructor(target: AdminTarget) {
    this.handlers = [
      {
        prefix: '/',
        help: 'Admin home page',
        mutatesState: false,
        params: [],
        run: () => ({ status: 200, contentType: 'html', body: homePage(this.handlers) }),
      },
      {
        prefix: '/help',
        help: 'print out list of admin commands',
        mutatesState: false,
        params: [],
        run: () => text(this.help()),
      },
      configDumpHandler(target),
      ...infoHandlers(target),
      ...commandHandlers(target),
      ...statsHandlers(target),
    ];
    for (const h of this.handlers) {
      if (this.byPrefix.has(h.prefix)) throw new Error(`duplicate admin handler ${h.prefix}`);
      this.byPrefix.set(h.prefix, h);
    }
  }

  help(): string {
    return helpText(this.handlers);
  }

  dispatch(req: AdminRequest): AdminResponse {
    const h = this.byPrefix.get(req.path);
    if (!h) return text(`invalid path. ${this.help()}`, 404);
    if (h.mutatesState && req.method !== 'POST') {
      return text(`Method ${req.method} not allowed, POST required.`, 405);
    }
    return h.run(req);
  }
}
