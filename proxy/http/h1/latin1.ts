// Buffer#latin1Slice is the fastest bytes-to-string path in Node (toString('latin1') adds argument
// checks); it is public but untyped. latin1 maps each byte to one UTF-16 unit, so header bytes
// (including obs-text) round-trip unchanged.
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as Latin1Buffer).latin1Slice(start, end);
}
