/**
 * admin/ — Envoy's admin API for tsenvoy. The proxy implements {@link AdminTarget}; the server
 * renders Envoy's endpoints and formats from it. Nothing in this folder imports the proxy.
 */
export { AdminServer } from './admin-server';
export type { AdminListenOptions, AdminServerOptions } from './admin-server';
export type * from './admin-target';
