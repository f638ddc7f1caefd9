/**
 * The shape of one admin endpoint, as Envoy's UrlHandler: an exact path, a help line, whether it
 * mutates state (then only POST is accepted), its documented parameters, and the callback.
 */
import type { QueryParams } from './query-params';

export interface AdminRequest {
  readonly method: string;
  /** The path without the query, as received (not decoded). */
  readonly path: string;
  readonly params: QueryParams;
}

export type AdminContentType = 'text' | 'json' | 'html';

/**
 * A response body: a string; pieces written one after another without blocking the event loop for
 * long; or pieces produced asynchronously (a render that yields to the event loop between slices:
 * /stats at 10,000 clusters), each written as it comes, pausing the producer while the socket is
 * full and stopping it if the client goes away.
 */
export type AdminBody = string | Iterable<string> | AsyncIterable<string>;

export interface AdminResponse {
  readonly status: number;
  /** Defaults to text (`text/plain; charset=UTF-8`). */
  readonly contentType?: AdminContentType;
  readonly body: AdminBody;
  /** Runs once the whole response has been handed to the socket (e.g. /quitquitquit). */
  readonly afterWrite?: () => void;
}

export interface AdminParam {
  readonly id: string;
  readonly help: string;
  readonly type: 'string' | 'boolean' | 'enum';
  readonly choices?: readonly string[];
}

export interface AdminHandler {
  readonly prefix: string;
  readonly help: string;
  readonly mutatesState: boolean;
  readonly params: readonly AdminParam[];
  run(req: AdminRequest): AdminResponse;
}

export function text(body: AdminBody, status = 200): AdminResponse {
  return { status, contentType: 'text', body };
}
