// An incremental HTTP/1.1 parser for both directions, written for the proxy's hot path: the head
// is parsed once from the received bytes (found with a JS scan for CRLFCRLF), body bytes are
// handed on as views of the received Buffers, and the handler is an object with methods so that
// no closure is made per message. It is strict where leniency enables request smuggling
// (Content-Length with Transfer-Encoding, conflicting lengths, bad chunk sizes, bare CR, obs-fold)
// and reports each error with Envoy's status and response code details.
//
// A request parser pauses after each complete message: the connection manager answers pipelined
// requests one at a time, and resumes the parser when the response is done.
import { headerBit, HeaderMapImpl } from '../header-map-impl';
import { COLON, CR, HEX, HTAB, LF, SP, TARGET, TOKEN, UNDERSCORE } from './char-tables';
import { H1Details, HeadersWithUnderscoresAction } from './h1-errors';
import { knownHeaderName } from './header-names';
import { latin1 } from './latin1';

export interface H1ParserHandler {
  /** A head was parsed; the parser's message fields describe it. */
  onMessageHead(): void;
  onMessageBody(data: Buffer): void;
  onMessageComplete(): void;
  /** A protocol error; the parser stops. `status` is what a server answers with. */
  onParseError(status: number, details: string): void;
}

export const enum ParserKind {
  Request,
  Response,
}

const enum State {
  Head,
  BodyLength,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  BodyEof,
  Raw,
  Error,
}

export interface H1ParserOptions {
  maxHeaderBytes: number;
  maxHeadersCount: number;
  headersWithUnderscoresAction?: HeadersWithUnderscoresAction;
}

const MAX_CHUNK_LINE = 4096;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

export class H1Parser {
  // ---- the current message (valid from onMessageHead until the next head) ----
  method = '';
  path = '';
  /** 0 for HTTP/1.0 (and other non-1.1 versions), 1 for HTTP/1.1. */
  versionMinor = 1;
  statusCode = 0;
  headers = new HeaderMapImpl();
  /** -1: no Content-Length. */
  contentLength = -1;
  chunked = false;
  /** Upgrade/CONNECT: bytes after the head are an opaque tunnel. */
  upgrade = false;
  keepAlive = true;
  expectContinue = false;
  /** The message has no body (endStream with the head). */
  noBody = false;
  /** Bytes of the head including the blank line. */
  headBytes = 0;

  // ---- client side: set before the response arrives ----
  responseToHead = false;
  responseToConnect = false;

  paused = false;
  /** resume() came while the current message was still being delivered (see resume). */
  private resumedEarly = false;
  private headText = '';
  private headStart = 0;
  private state = State.Head;
  private pending: Buffer | null = null;
  private queued: Buffer | null = null;
  private executing = false;
  private remaining = 0;
  private trailerBytes = 0;
  private readonly maxHeaderBytes: number;
  private readonly maxHeadersCount: number;
  private readonly underscores: HeadersWithUnderscoresAction;

  constructor(
    readonly kind: ParserKind,
    private readonly handler: H1ParserHandler,
    opts: H1ParserOptions,
  ) {
    this.maxHeaderBytes = opts.maxHeaderBytes;
    this.maxHeadersCount = opts.maxHeadersCount;
    this.underscores = opts.headersWithUnderscoresAction ?? 'ALLOW';
  }

  get failed(): boolean {
    return this.state === State.Error;
  }

  /** True between a head and its end (a message is in progress). */
  get inMessage(): boolean {
    return this.state !== State.Head && this.state !== State.Error;
  }

  /** Bytes held back while paused. */
  get queuedBytes(): number {
    return this.queued === null ? 0 : this.queued.length;
  }

  /** Partial head bytes received so far (a request has started arriving). */
  get hasPartialHead(): boolean {
    return this.state === State.Head && this.pending !== null;
  }

  feed(data: Buffer): void {
    if (this.state === State.Error) return;
    if (this.paused) {
      this.queued = this.queued === null ? data : Buffer.concat([this.queued, data]);
      return;
    }
    if (this.pending !== null) {
      data = Buffer.concat([this.pending, data]);
      this.pending = null;
    }
    this.executing = true;
    let off = 0;
    try {
      off = this.execute(data);
    } finally {
      this.executing = false;
    }
    if (off < data.length && (this.state as State) !== State.Error) {
      const rest = data.subarray(off);
      if (this.paused) this.queued = this.queued === null ? rest : Buffer.concat([rest, this.queued]);
      else this.pending = rest;
    }
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) {
      // The answer to a body-less request can finish inside onMessageHead, before complete()
      // pauses: remember it, so that complete() does not pause for a response already sent.
      if (this.executing) this.resumedEarly = true;
      return;
    }
    this.paused = false;
    if (this.executing || this.queued === null) return;
    const q = this.queued;
    this.queued = null;
    this.feed(q);
  }

  /** The transport closed: ends a close-delimited body; true if a message was cut short. */
  finish(): boolean {
    if (this.state === State.BodyEof) {
      this.state = State.Head;
      this.handler.onMessageComplete();
      return false;
    }
    if (this.state === State.Raw) return false;
    return this.inMessage || this.pending !== null;
  }

  /** Leaves tunnel mode off and makes the next bytes opaque (after a 101 / CONNECT 2xx). */
  enterRaw(): void {
    this.state = State.Raw;
  }

  private fail(status: number, details: string): number {
    this.state = State.Error;
    this.pending = this.queued = null;
    this.handler.onParseError(status, details);
    return Number.MAX_SAFE_INTEGER;
  }

  private execute(buf: Buffer): number {
    let off = 0;
    const len = buf.length;
    while (off < len && !this.paused) {
      switch (this.state) {
        case State.Head: {
          if (this.kind === ParserKind.Request) {
            // RFC 9112 2.2: ignore empty lines before a request line.
            while (off < len && (buf[off] === CR || buf[off] === LF)) off++;
            if (off >= len) return off;
          }
          // A head longer than maxHeaderBytes is rejected wherever its end is: look no further.
          const end = headEnd(buf, off, Math.min(len, off + this.maxHeaderBytes));
          if (end < 0) {
            if (len - off > this.maxHeaderBytes) return this.fail(431, H1Details.HeadersTooLarge);
            return off;
          }
          const headStart = off;
          off = end + 4;
          this.headBytes = off - headStart;
          if (!this.parseHead(buf, headStart, end + 2)) return Number.MAX_SAFE_INTEGER;
          if (this.kind === ParserKind.Response && this.statusCode < 200 && this.statusCode !== 101) {
            continue; // interim response (100 Continue...): the proxy answers those itself
          }
          this.resumedEarly = false;
          this.handler.onMessageHead();
          if ((this.state as State) === State.Error) return Number.MAX_SAFE_INTEGER;
          if (this.noBody && this.state === State.Head) this.complete();
          break;
        }
        case State.BodyLength:
        case State.ChunkData: {
          const n = Math.min(this.remaining, len - off);
          const slice = buf.subarray(off, off + n);
          off += n;
          this.remaining -= n;
          const done = this.remaining === 0;
          if (done) this.state = this.state === State.BodyLength ? State.Head : State.ChunkDataEnd;
          this.handler.onMessageBody(slice);
          if (done && this.state === State.Head) this.complete();
          break;
        }
        case State.ChunkSize: {
          const lf = buf.indexOf(LF, off);
          if (lf < 0) {
            if (len - off > MAX_CHUNK_LINE) return this.fail(400, H1Details.CodecError);
            return off;
          }
          if (lf - off > MAX_CHUNK_LINE || lf === off || buf[lf - 1] !== CR) return this.fail(400, H1Details.CodecError);
          let size = 0;
          let i = off;
          for (; i < lf - 1; i++) {
            const h = HEX[buf[i]];
            if (h === 255) break;
            size = size * 16 + h;
            if (size > MAX_SAFE / 16) return this.fail(400, H1Details.CodecError);
          }
          if (i === off) return this.fail(400, H1Details.CodecError);
          // Only chunk extensions may follow the size.
          if (i < lf - 1 && buf[i] !== 0x3b && buf[i] !== SP && buf[i] !== HTAB) return this.fail(400, H1Details.CodecError);
          for (let j = i; j < lf - 1; j++) if (buf[j] === CR || buf[j] === 0) return this.fail(400, H1Details.CodecError);
          off = lf + 1;
          if (size === 0) {
            this.state = State.Trailers;
            this.trailerBytes = 0;
          } else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkDataEnd: {
          if (len - off < 2) {
            if (buf[off] !== CR) return this.fail(400, H1Details.CodecError);
            return off;
          }
          if (buf[off] !== CR || buf[off + 1] !== LF) return this.fail(400, H1Details.CodecError);
          off += 2;
          this.state = State.ChunkSize;
          break;
        }
        case State.Trailers: {
          // Trailers are dropped, as Envoy does for HTTP/1 unless enable_trailers is set.
          const lf = buf.indexOf(LF, off);
          if (lf < 0) {
            if (this.trailerBytes + len - off > this.maxHeaderBytes) return this.fail(431, H1Details.HeadersTooLarge);
            return off;
          }
          if (lf === off || buf[lf - 1] !== CR) return this.fail(400, H1Details.CodecError);
          const empty = lf === off + 1;
          this.trailerBytes += lf + 1 - off;
          off = lf + 1;
          if (this.trailerBytes > this.maxHeaderBytes) return this.fail(431, H1Details.HeadersTooLarge);
          if (empty) {
            this.state = State.Head;
            this.complete();
          }
          break;
        }
        case State.BodyEof:
        case State.Raw: {
          const slice = off === 0 ? buf : buf.subarray(off);
          off = len;
          this.handler.onMessageBody(slice);
          break;
        }
        case State.Error:
          return Number.MAX_SAFE_INTEGER;
      }
    }
    return off;
  }

  private complete(): void {
    if (this.kind === ParserKind.Request) {
      if (this.resumedEarly) this.resumedEarly = false;
      else this.paused = true;
    }
    this.handler.onMessageComplete();
  }

  /** Parses [start, end): the start line and header lines, `end` just after the last CRLF. */
  private parseHead(buf: Buffer, start: number, end: number): boolean {
    const headers = new HeaderMapImpl();
    this.headers = headers;
    this.contentLength = -1;
    this.chunked = false;
    this.upgrade = false;
    this.expectContinue = false;
    this.noBody = false;
    // The whole head becomes one string with a single native call; names, values and the path
    // are slices of it (latin1: byte offset == char offset).
    const text = latin1(buf, start, end);
    this.headText = text;
    this.headStart = start;
    // The start line: scanned in JS (a native indexOf per line costs more than the bytes).
    let lf = start;
    while (lf < end && buf[lf] !== LF) {
      if (buf[lf] === 0) return this.failed0(400, H1Details.InvalidCharacters);
      lf++;
    }
    if (buf[lf - 1] !== CR) return this.failed0(400, H1Details.CodecError);
    if (!(this.kind === ParserKind.Request ? this.parseRequestLine(buf, start, lf - 1) : this.parseStatusLine(buf, start, lf - 1))) {
      return false;
    }
    let pos = lf + 1;
    const linesStart = pos;
    let count = 0;
    let dropped = false;
    let te: string | undefined;
    let cl: string | undefined;
    let connection: string | undefined;
    let upgradeValue: string | undefined;
    while (pos < end) {
      const first = buf[pos];
      if (first === SP || first === HTAB) return this.failed0(400, H1Details.CodecError); // obs-fold
      let i = pos;
      let upper = false;
      let underscore = false;
      for (; i < end; i++) {
        const b = buf[i];
        const t = TOKEN[b];
        if (t === 1) {
          if (b === UNDERSCORE) underscore = true;
          continue;
        }
        if (t === 2) {
          upper = true;
          continue;
        }
        break;
      }
      if (i === pos || buf[i] !== COLON) return this.failed0(400, H1Details.CodecError);
      if (++count > this.maxHeadersCount) return this.failed0(431, H1Details.TooManyHeaders);
      // The value runs to CR, which must be followed by LF; other control bytes (NUL, bare LF)
      // are invalid. HTAB is allowed.
      let lineEnd = i + 1;
      for (;;) {
        const b = buf[lineEnd];
        if (b >= 0x20 || b === HTAB) {
          lineEnd++;
          continue;
        }
        if (b === CR && buf[lineEnd + 1] === LF) break;
        return this.failed0(400, H1Details.InvalidCharacters);
      }
      lf = lineEnd + 1;
      let name = knownHeaderName(buf, pos, i);
      if (name === undefined) {
        name = text.slice(pos - start, i - start);
        if (upper) name = name.toLowerCase();
      }
      let vs = i + 1;
      let ve = lineEnd;
      while (vs < ve && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HTAB)) ve--;
      const value = vs === ve ? '' : text.slice(vs - start, ve - start);
      pos = lf + 1;
      if (underscore && this.underscores !== 'ALLOW' && this.kind === ParserKind.Request) {
        if (this.underscores === 'REJECT_REQUEST') return this.failed0(400, H1Details.InvalidUnderscore);
        dropped = true;
        continue;
      }
      const bit = headerBit(name);
      if (bit !== 0 || name.length === 6) {
        switch (name.length) {
          case 6:
            if (name === 'expect' && value.toLowerCase() === '100-continue') this.expectContinue = true;
            break;
          case 7:
            if (name === 'upgrade') upgradeValue = upgradeValue === undefined ? value : `${upgradeValue},${value}`;
            break;
          case 10:
            if (name === 'connection') connection = connection === undefined ? value : `${connection},${value}`;
            break;
          case 14:
            if (name === 'content-length') {
              if (cl !== undefined && cl !== value) {
                if (!sameLengths(cl, value)) return this.failed0(400, H1Details.CodecError);
              }
              cl = value;
            }
            break;
          case 17:
            if (name === 'transfer-encoding') te = te === undefined ? value : `${te},${value}`;
            break;
        }
      }
      headers.pushWithBit(name, value, bit);
    }
    if (!dropped) headers.setRaw(text, linesStart - start);
    return this.decideFraming(te, cl, connection, upgradeValue);
  }

  private failed0(status: number, details: string): false {
    this.fail(status, details);
    return false;
  }

  private parseRequestLine(buf: Buffer, s: number, e: number): boolean {
    let i = s;
    while (i < e && TOKEN[buf[i]] !== 0) i++;
    if (i === s || i >= e || buf[i] !== SP) return this.failed0(400, H1Details.CodecError);
    this.method = methodString(buf, s, i);
    const ts = ++i;
    while (i < e && TARGET[buf[i]] === 1) i++;
    if (i === ts || i >= e || buf[i] !== SP) return this.failed0(400, i < e && buf[i] !== SP ? H1Details.InvalidUrl : H1Details.CodecError);
    this.path = this.headText.slice(ts - this.headStart, i - this.headStart);
    i++;
    if (e - i !== 8 || buf[i] !== 0x48 || buf[i + 1] !== 0x54 || buf[i + 2] !== 0x54 || buf[i + 3] !== 0x50 || buf[i + 4] !== 0x2f) {
      return this.failed0(400, H1Details.CodecError);
    }
    const maj = buf[i + 5] - 0x30;
    const min = buf[i + 7] - 0x30;
    if (buf[i + 6] !== 0x2e || maj < 0 || maj > 9 || min < 0 || min > 9) return this.failed0(400, H1Details.CodecError);
    if (maj !== 1) return this.failed0(400, H1Details.CodecError);
    // Anything but 1.1 is handled as HTTP/1.0, as Envoy does.
    this.versionMinor = min === 1 ? 1 : 0;
    return true;
  }

  private parseStatusLine(buf: Buffer, s: number, e: number): boolean {
    // 'HTTP/1.' compared byte by byte: no string per response.
    if (
      e - s < 12 || buf[s] !== 0x48 || buf[s + 1] !== 0x54 || buf[s + 2] !== 0x54 || buf[s + 3] !== 0x50 ||
      buf[s + 4] !== 0x2f || buf[s + 5] !== 0x31 || buf[s + 6] !== 0x2e || buf[s + 8] !== SP
    ) {
      return this.failed0(502, H1Details.CodecError);
    }
    const min = buf[s + 7] - 0x30;
    if (min < 0 || min > 9) return this.failed0(502, H1Details.CodecError);
    this.versionMinor = min === 1 ? 1 : 0;
    let code = 0;
    for (let i = s + 9; i < s + 12; i++) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) return this.failed0(502, H1Details.CodecError);
      code = code * 10 + d;
    }
    if (code < 100 || (e > s + 12 && buf[s + 12] !== SP)) return this.failed0(502, H1Details.CodecError);
    this.statusCode = code;
    return true;
  }

  private decideFraming(te: string | undefined, cl: string | undefined, connection: string | undefined, upgradeValue: string | undefined): boolean {
    const isRequest = this.kind === ParserKind.Request;
    let close = false;
    let keepAliveToken = false;
    let upgradeToken = false;
    if (connection !== undefined) {
      // The usual single token is decided without splitting (every upstream response carries one).
      const c = connection.length <= 10 ? connection.toLowerCase() : '';
      if (c === 'keep-alive') keepAliveToken = true;
      else if (c === 'close') close = true;
      else if (c === 'upgrade') upgradeToken = true;
      else {
        for (const tok of connection.split(',')) {
          const t = tok.trim().toLowerCase();
          if (t === 'close') close = true;
          else if (t === 'keep-alive') keepAliveToken = true;
          else if (t === 'upgrade') upgradeToken = true;
        }
      }
    }
    this.keepAlive = this.versionMinor === 1 ? !close : keepAliveToken && !close;
    if (isRequest) {
      if (te !== undefined && cl !== undefined) return this.failed0(400, H1Details.ChunkedContentLength);
      const isConnect = this.method === 'CONNECT';
      if (te !== undefined) {
        if (te.trim().toLowerCase() !== 'chunked' || isConnect) return this.failed0(501, H1Details.InvalidTransferEncoding);
        this.chunked = true;
      }
      if (cl !== undefined) {
        const n = parseLength(cl);
        if (n < 0) return this.failed0(400, H1Details.CodecError);
        if (isConnect && n !== 0) return this.failed0(400, H1Details.BodyDisallowed);
        this.contentLength = n;
      }
      if (upgradeValue !== undefined && upgradeToken) {
        if (upgradeValue.trim().toLowerCase() === 'h2c') {
          // h2c upgrade is not supported: the request goes on as plain HTTP/1.1.
          this.headers.remove('upgrade');
          this.headers.remove('http2-settings');
          stripConnectionTokens(this.headers, ['upgrade', 'http2-settings']);
        } else {
          this.upgrade = true;
        }
      }
      if (isConnect) this.upgrade = true;
      if (this.upgrade) {
        this.state = State.Raw;
        this.noBody = false;
      } else if (this.chunked) {
        this.state = State.ChunkSize;
      } else if (this.contentLength > 0) {
        this.state = State.BodyLength;
        this.remaining = this.contentLength;
      } else {
        this.noBody = true;
      }
      return true;
    }
    // Response.
    const code = this.statusCode;
    if (code === 101 || (this.responseToConnect && code >= 200 && code < 300)) {
      this.upgrade = true;
      this.state = State.Raw;
      return true;
    }
    if (this.responseToHead || code === 204 || code === 304 || code < 200) {
      this.noBody = true;
      if (cl !== undefined) this.contentLength = parseLength(cl);
      return true;
    }
    if (te !== undefined && te.trim().toLowerCase().endsWith('chunked')) {
      this.chunked = true;
      if (cl !== undefined) this.headers.remove('content-length');
      this.state = State.ChunkSize;
      return true;
    }
    if (cl !== undefined) {
      const n = parseLength(cl);
      if (n < 0) return this.failed0(502, H1Details.CodecError);
      this.contentLength = n;
      if (n === 0) this.noBody = true;
      else {
        this.state = State.BodyLength;
        this.remaining = n;
      }
      return true;
    }
    this.keepAlive = false;
    this.state = State.BodyEof;
    return true;
  }
}

/**
 * Where CRLFCRLF starts in buf[from, limit), or -1. A JS scan: a head is a few hundred bytes, for
 * which the native Buffer#indexOf costs more in the call than in the search. Tests the byte where
 * the pattern would end and skips by what it rules out (4 past a byte that is neither CR nor LF).
 */
function headEnd(buf: Buffer, from: number, limit: number): number {
  let i = from + 3;
  while (i < limit) {
    const b = buf[i];
    if (b === LF) {
      if (buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) return i - 3;
      i += 2;
    } else if (b === CR) i += 1;
    else i += 4;
  }
  return -1;
}

/** Content-Length as a number; a comma list of equal values counts once; -1 if invalid. */
function parseLength(v: string): number {
  if (v.indexOf(',') < 0) return parseDigits(v);
  let n = -1;
  for (const part of v.split(',')) {
    const x = parseDigits(part.trim());
    if (x < 0 || (n >= 0 && x !== n)) return -1;
    n = x;
  }
  return n;
}

function parseDigits(p: string): number {
  if (p.length === 0 || p.length > 15) return -1;
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const d = p.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function sameLengths(a: string, b: string): boolean {
  const x = parseLength(a);
  return x >= 0 && x === parseLength(b);
}

function stripConnectionTokens(headers: HeaderMapImpl, tokens: string[]): void {
  const v = headers.getJoined('connection');
  if (v === undefined) return;
  const kept = v
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t && !tokens.includes(t.toLowerCase()));
  if (kept.length === 0) headers.remove('connection');
  else headers.set('connection', kept.join(','));
}

const GET = 'GET';
const POST = 'POST';

/** The common methods come from constants, sparing a string allocation. */
function methodString(buf: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n === 3 && buf[s] === 0x47 && buf[s + 1] === 0x45 && buf[s + 2] === 0x54) return GET;
  if (n === 4 && buf[s] === 0x50 && buf[s + 1] === 0x4f && buf[s + 2] === 0x53 && buf[s + 3] === 0x54) return POST;
  return latin1(buf, s, e);
}
