// The boundary between the connection manager / router and a protocol codec. HTTP/1 is the only
// codec today; an HTTP/2 codec implements the same two roles (a server side that produces
// streams, a client side the pool hands to the router) without the layers above changing.
import type { HeaderMapImpl } from './header-map-impl';

/** Why an upstream stream ended without a complete response (Envoy's StreamResetReason). */
export const enum ResetReason {
  ConnectionFailure,
  ConnectionTermination,
  LocalReset,
  Overflow,
  RemoteReset,
  RemoteRefusedStreamReset,
  ProtocolError,
  ConnectionTimeout,
}

/** The text Envoy puts after `reset reason: ` in local replies and details. */
export const RESET_REASON_TEXT: readonly string[] = [
  'connection failure',
  'connection termination',
  'local reset',
  'overflow',
  'remote reset',
  'remote refused stream reset',
  'protocol error',
  'connection failure',
];

/** The part of a response head the layers above read and edit. */
export interface ResponseHead {
  status: number;
  readonly headers: HeaderMapImpl;
}

/** The downstream side of one stream: what the connection manager writes a response through. */
export interface ServerStreamEncoder {
  encodeHeaders(status: number, headers: HeaderMapImpl, endStream: boolean): void;
  encodeData(data: Buffer, endStream: boolean): void;
  /** Switch the connection to an opaque byte tunnel after a 101 / CONNECT 2xx. */
  readonly protocolName: string;
}
