// How a validated snapshot keeps the canonical value it was built from, for /config_dump and
// change detection. Bootstrap and file resources are few and keep the value itself. An xDS
// resource keeps the protobuf bytes the xDS client holds anyway, with the decoder of its type, and
// is decoded again when asked: a decoded Cluster or ClusterLoadAssignment is dozens of small
// objects, and 10,000 of each kept alive for a rare /config_dump were a fifth of a cluster's heap.
import type { Canonical } from './canonical';

/** A resource's accepted bytes and the (shared, per type) decoder that reads them back. */
export class EncodedValue {
  constructor(
    readonly bytes: Buffer,
    private readonly decode: (bytes: Buffer) => Canonical,
  ) {}

  value(): Canonical {
    return this.decode(this.bytes);
  }
}

export type KeptValue = Canonical | EncodedValue;

/** The canonical value back (decoded anew each time for an EncodedValue: do not call per request). */
export function keptValue(k: KeptValue): Canonical {
  return k instanceof EncodedValue ? k.value() : k;
}

/** What a watcher keeps of an update's resource: its bytes when it has them, else the value. */
export function keepOf(value: Canonical, bytes: Buffer | undefined, decode: (bytes: Buffer) => Canonical): KeptValue {
  return bytes === undefined ? value : new EncodedValue(bytes, decode);
}
