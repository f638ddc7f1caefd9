// Reads SNI and ALPN out of a TLS ClientHello without consuming it (what tls_inspector needs).
// The hello may be split over several TLS records; their handshake payloads are joined. The
// parser only reads; it never decides anything about the connection.

export const enum HelloStatus {
  /** Need more bytes. */
  Incomplete,
  /** Not a TLS ClientHello (plaintext or garbage). */
  NotTls,
  Found,
}

export interface HelloResult {
  status: HelloStatus;
  serverName: string;
  alpn: string[];
}

const CONTENT_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0;
const EXT_ALPN = 16;

function notTls(): HelloResult {
  return { status: HelloStatus.NotTls, serverName: '', alpn: [] };
}

/**
 * Parses as much of `data` as is there. The handshake message is gathered from records of type
 * handshake; anything else before the hello completes means "not TLS".
 */
export function parseClientHello(data: Buffer): HelloResult {
  if (data.length === 0) return { status: HelloStatus.Incomplete, serverName: '', alpn: [] };
  if (data[0] !== CONTENT_HANDSHAKE) return notTls();
  // Record layer version major must be 3 (SSL 3.0 / TLS 1.x).
  if (data.length >= 2 && data[1] !== 3) return notTls();
  const parts: Buffer[] = [];
  let have = 0;
  let need = -1;
  let off = 0;
  while (off + 5 <= data.length) {
    if (data[off] !== CONTENT_HANDSHAKE || data[off + 1] !== 3) return notTls();
    const len = data.readUInt16BE(off + 3);
    if (len === 0 || len > 16384 + 2048) return notTls();
    const end = off + 5 + len;
    const body = data.subarray(off + 5, Math.min(end, data.length));
    parts.push(body);
    have += body.length;
    if (need < 0 && have >= 4) {
      const hs = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      if (hs[0] !== HANDSHAKE_CLIENT_HELLO) return notTls();
      need = 4 + ((hs[1] << 16) | (hs[2] << 8) | hs[3]);
    }
    if (need >= 0 && have >= need) {
      const hs = parts.length === 1 ? parts[0] : Buffer.concat(parts);
      return parseHelloBody(hs.subarray(4, need));
    }
    if (end > data.length) break;
    off = end;
  }
  return { status: HelloStatus.Incomplete, serverName: '', alpn: [] };
}

function parseHelloBody(b: Buffer): HelloResult {
  const res: HelloResult = { status: HelloStatus.Found, serverName: '', alpn: [] };
  let p = 2 + 32; // client_version, random
  if (p + 1 > b.length) return notTls();
  p += 1 + b[p]; // session id
  if (p + 2 > b.length) return notTls();
  p += 2 + b.readUInt16BE(p); // cipher suites
  if (p + 1 > b.length) return notTls();
  p += 1 + b[p]; // compression methods
  if (p === b.length) return res; // no extensions
  if (p + 2 > b.length) return notTls();
  const extEnd = Math.min(b.length, p + 2 + b.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = b.readUInt16BE(p);
    const len = b.readUInt16BE(p + 2);
    const start = p + 4;
    const end = start + len;
    if (end > extEnd) return notTls();
    if (type === EXT_SERVER_NAME && len >= 2) {
      let q = start + 2;
      while (q + 3 <= end) {
        const nameType = b[q];
        const nameLen = b.readUInt16BE(q + 1);
        if (q + 3 + nameLen > end) break;
        if (nameType === 0) {
          res.serverName = b.toString('latin1', q + 3, q + 3 + nameLen).toLowerCase();
          break;
        }
        q += 3 + nameLen;
      }
    } else if (type === EXT_ALPN && len >= 2) {
      let q = start + 2;
      while (q < end) {
        const l = b[q];
        if (q + 1 + l > end) break;
        res.alpn.push(b.toString('latin1', q + 1, q + 1 + l));
        q += 1 + l;
      }
    }
    p = end;
  }
  return res;
}
