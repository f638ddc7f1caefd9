// The xDS client's codec (xds-client/types.ts XdsCodec) over this folder's schema-driven
// encoders and decoders: DiscoveryRequests out, resources into the canonical form in.
import { decodeBinary, decodeBinarySliced, BinaryDecodeOptions } from './proto-binary';
import { wireOk } from './proto-binary-check';
import { encodeBinary } from './proto-binary-encode';
import { decodeJson } from './proto-json';
import { Schema, typeNameOfUrl } from './schema/schema';

/** Structurally an XdsCodec; declared here so proxy/config stays free of xds-client imports. */
export interface CanonicalXdsCodec {
  encodeRequest(typeName: string, message: Readonly<Record<string, unknown>>): Uint8Array;
  decodeResource(typeUrl: string, bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; errors: readonly { path: string; message: string }[] };
  checkResource(typeUrl: string, bytes: Buffer): boolean;
  decodeResourceSliced(typeUrl: string, bytes: Uint8Array, pause: () => Promise<void> | undefined): Promise<{ ok: true; value: unknown } | { ok: false; errors: readonly { path: string; message: string }[] }>;
  decodeResourceJson(typeUrl: string, json: unknown): { ok: true; value: unknown } | { ok: false; errors: readonly { path: string; message: string }[] };
}

export function xdsCodec(schema: Schema, opts: BinaryDecodeOptions = {}): CanonicalXdsCodec {
  return {
    encodeRequest: (typeName, message) => encodeBinary(schema, typeName, message),
    decodeResource: (typeUrl, bytes) => decodeBinary(schema, typeNameOfUrl(typeUrl), bytes, opts),
    checkResource: (typeUrl, bytes) => wireOk(schema, typeNameOfUrl(typeUrl), bytes),
    decodeResourceSliced: (typeUrl, bytes, pause) => decodeBinarySliced(schema, typeNameOfUrl(typeUrl), bytes, pause, opts),
    decodeResourceJson: (typeUrl, json) => {
      const { ['@type']: _t, ...fields } = json as Record<string, unknown>;
      return decodeJson(schema, typeNameOfUrl(typeUrl), fields, { allowUnknownFields: !opts.rejectUnknownFields });
    },
  };
}
