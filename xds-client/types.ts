// The xDS client's contracts with its host: the codec it is given (so it imports nothing of the
// proxy), the logger, and the per-type watchers that apply resources and answer ACK or NACK.

/** Shaped like the proxy's component loggers; a disabled level should be a no-op function. */
export interface XdsLogger {
  debug(msg: string, ...args: unknown[]): void;
  info(msg: string, ...args: unknown[]): void;
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
}

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errors: readonly FieldIssue[] };

export const DISCOVERY_REQUEST = 'envoy.service.discovery.v3.DiscoveryRequest';
export const DELTA_DISCOVERY_REQUEST = 'envoy.service.discovery.v3.DeltaDiscoveryRequest';
export type RequestTypeName = typeof DISCOVERY_REQUEST | typeof DELTA_DISCOVERY_REQUEST;

/**
 * Protobuf and resource decoding, injected by the server. Requests are canonical objects (proto
 * field names, Duration as ms, Struct as plain JSON); resources come back in the proxy's canonical
 * form, whatever that is: the client only reads their name.
 */
export interface XdsCodec {
  encodeRequest(typeName: RequestTypeName, message: Readonly<Record<string, unknown>>): Uint8Array;
  /** The packed bytes of one resource (an Any's value) of `typeUrl`; errors name field paths. */
  decodeResource(typeUrl: string, bytes: Uint8Array): DecodeResult;
  /**
   * Whether decodeResource would find the bytes well-formed (protobuf's unpack), without decoding
   * them; decodeResource says why when not. Its rules (required fields, ...) are not checked.
   */
  checkResource?(typeUrl: string, bytes: Buffer): boolean;
  /**
   * decodeResource for one big resource (a RouteConfiguration with thousands of virtual hosts),
   * awaiting `pause()` between parts; pause returns undefined while the current slice lasts.
   */
  decodeResourceSliced?(typeUrl: string, bytes: Uint8Array, pause: () => Promise<void> | undefined): Promise<DecodeResult>;
  /** One resource in proto3 JSON (a path config source's file), '@type' included. */
  decodeResourceJson(typeUrl: string, json: unknown): DecodeResult;
}

export interface XdsResource<T = unknown> {
  readonly name: string;
  /** The delta Resource.version, or the response's version_info in SotW. */
  readonly version: string;
  readonly value: T;
  /**
   * The resource's protobuf encoding, as the client keeps it (gRPC sources; not files): a host may
   * keep these bytes instead of `value` and decode them again when it needs the value back.
   */
  readonly bytes?: Buffer;
}

/**
 * One response's effect on one type. `updated` holds only new or changed resources (a
 * resource whose bytes equal the accepted ones is not repeated); `removed` names resources
 * that are gone: absent from a full-state (LDS/CDS wildcard) response, in a delta response's
 * removed_resources, or withdrawn from a file.
 */
export interface ResourceUpdate<T = unknown> {
  readonly typeUrl: string;
  /** SotW version_info; delta system_version_info; a file's version_info. */
  readonly versionInfo: string;
  readonly updated: readonly XdsResource<T>[];
  readonly removed: readonly string[];
  /** 'ads', 'api:<cluster or target>' or 'file:<path>': where it came from. */
  readonly source: string;
}

export interface ResourceIssue {
  readonly name: string;
  readonly path: string;
  readonly message: string;
}

/** What a watcher answers: accepted, or the resources it rejected (the others were applied). */
export type UpdateOutcome = { readonly accepted: true } | { readonly rejected: readonly ResourceIssue[] };

export interface TypeWatcher<T = unknown> {
  /**
   * Resources from gRPC sources are checked to be well-formed when they arrive (a malformed one
   * rejects the response, as Envoy's unpack does) and their `value` is decoded on each read (read
   * it once): a push of 10,000 clusters is decoded once, and keeps no decoded tree alive while it
   * is applied (held for the whole apply, they survived every young-generation collection and
   * were copied each time). A value that fails its decode's rules throws a ResourceDecodeError on
   * that read: the watcher rejects that resource alone, as Envoy's per-resource validation does.
   */
  readonly decodeOnRead?: boolean;
  /** Applies an update; void means accepted. While a promise is pending, later responses wait. */
  onUpdate(update: ResourceUpdate<T>): UpdateOutcome | void | Promise<UpdateOutcome | void>;
  /** A watched name (or '*' for a wildcard type) had not arrived within initial_fetch_timeout. */
  onResourceDoesNotExist(name: string): void;
}

/** Emitted as 'update' after each response or file load is handled; feeds Envoy's stats. */
export interface UpdateEvent {
  readonly typeUrl: string;
  readonly source: string;
  readonly outcome: 'accepted' | 'rejected';
  readonly versionInfo: string;
  /** The NACK's error_detail message when rejected. */
  readonly detail?: string;
  readonly durationMs: number;
}
