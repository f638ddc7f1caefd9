// xds-client: the ADS transport of the proxy (SotW and delta over gRPC, or watched files), with
// per-type ACK/NACK state, subscriptions that follow what the proxy watches, initial fetch
// timeouts, reconnect with back-off, and resource decoding in slices that never stall traffic.
// It knows nothing of proxying and imports nothing from proxy/: protobuf encoding and resource
// decoding come in as an XdsCodec, logging as an XdsLogger, and resources go out to one
// TypeWatcher per type URL, whose answer becomes the ACK or NACK.
export { XdsClient } from './xds-client';
export type { XdsClientOptions, TypeStatus, XdsClientEvents } from './xds-client';
export * from './types';
export { ResourceDecodeError } from './resource-batch';
export * as typeUrls from './type-urls';
export { ConfigSourceError, DEFAULT_INITIAL_FETCH_TIMEOUT_MS } from './config-source';
export { DEFAULT_BUILD_VERSION, DEFAULT_CLIENT_FEATURES } from './node-identity';
export type { BuildVersion } from './node-identity';
export type { BackoffOptions } from './backoff';
