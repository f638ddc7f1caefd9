import assert from 'node:assert/strict';
import { test } from 'node:test';
import { H1Parser, H1ParserHandler, ParserKind } from '../../../proxy/http/h1/h1-parser';

class Recorder implements H1ParserHandler {
  events: string[] = [];
  heads: { method: string; path: string; headers: [string, string][]; keepAlive: boolean; noBody: boolean }[] = [];
  body: Buffer[] = [];
  parser!: H1Parser;
  onMessageHead(): void {
    const p = this.parser;
    const h: [string, string][] = [];
    p.headers.forEach((n, v) => h.push([n, v]));
    this.heads.push({ method: p.method, path: p.path, headers: h, keepAlive: p.keepAlive, noBody: p.noBody });
    this.events.push(`head ${p.kind === ParserKind.Request ? p.method + ' ' + p.path : p.statusCode}`);
  }
  onMessageBody(d: Buffer): void {
    this.body.push(Buffer.from(d));
    this.events.push(`body ${d.toString()}`);
  }
  onMessageComplete(): void {
    this.events.push('complete');
  }
  onParseError(status: number, details: string): void {
    this.events.push(`error ${status} ${details}`);
  }
}

function parse(kind: ParserKind, chunks: (string | Buffer)[], opts: Partial<{ maxHeaderBytes: number; underscores: 'ALLOW' | 'REJECT_REQUEST' | 'DROP_HEADER' }> = {}, autoResume = true): Recorder {
  const r = new Recorder();
  const p = new H1Parser(kind, r, { maxHeaderBytes: opts.maxHeaderBytes ?? 60 * 1024, maxHeadersCount: 100, headersWithUnderscoresAction: opts.underscores });
  r.parser = p;
  const origComplete = r.onMessageComplete.bind(r);
  r.onMessageComplete = () => {
    origComplete();
    if (autoResume) p.resume();
  };
  for (const c of chunks) p.feed(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  return r;
}

test('simple GET, names lower-cased, values trimmed', () => {
  const r = parse(ParserKind.Request, ['GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Foo:  bar \r\n\r\n']);
  assert.deepEqual(r.events, ['head GET /a?b=1', 'complete']);
  assert.deepEqual(r.heads[0].headers, [['host', 'x'], ['x-foo', 'bar']]);
  assert.equal(r.heads[0].noBody, true);
});

test('head split across every byte', () => {
  const msg = 'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello';
  const r = parse(ParserKind.Request, [...msg].map((c) => c));
  assert.equal(r.events[0], 'head POST /p');
  assert.equal(Buffer.concat(r.body).toString(), 'hello');
  assert.equal(r.events.at(-1), 'complete');
});

test('chunked body with extensions and trailers', () => {
  const r = parse(ParserKind.Request, ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n', '6\r\n world\r\n0\r\nX-T: 1\r\n\r\n']);
  assert.equal(Buffer.concat(r.body).toString(), 'hello world');
  assert.equal(r.events.at(-1), 'complete');
});

test('pipelined requests are delivered one at a time', () => {
  const r = parse(ParserKind.Request, ['GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n'], {}, false);
  assert.deepEqual(r.events, ['head GET /1', 'complete']);
  r.parser.resume();
  assert.deepEqual(r.events, ['head GET /1', 'complete', 'head GET /2', 'complete']);
});

test('smuggling defences', () => {
  const cases: [string, string][] = [
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 'error 400 http1.content_length_and_chunked_not_allowed'],
    ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 'error 501 http1.invalid_transfer_encoding'],
    ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 'error 501 http1.invalid_transfer_encoding'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 'error 400 http1.codec_error'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n', 'error 400 http1.codec_error'],
    ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n', 'error 400 http1.codec_error'],
    ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 'error 400 http1.codec_error'],
    ['POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n', 'error 400 http1.codec_error'],
    ['GET / HTTP/1.1\r\nHost : x\r\n\r\n', 'error 400 http1.codec_error'],
    ['GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n', 'error 400 http1.codec_error'],
    ['GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n', 'error 400 http1.invalid_characters'],
    ['GET / HTTP/1.1\r\nHost: x\0\r\n\r\n', 'error 400 http1.invalid_characters'],
    ['GET / HTTP/2.0\r\nHost: x\r\n\r\n', 'error 400 http1.codec_error'],
    ['GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 'error 400 http1.codec_error'],
    ['GE(T / HTTP/1.1\r\nHost: x\r\n\r\n', 'error 400 http1.codec_error'],
  ];
  for (const [msg, want] of cases) {
    const r = parse(ParserKind.Request, [msg]);
    assert.equal(r.events.find((e) => e.startsWith('error')), want, JSON.stringify(msg));
    assert.ok(!r.events.includes('complete'), msg);
  }
});

test('equal duplicate content-length is accepted', () => {
  const r = parse(ParserKind.Request, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok']);
  assert.equal(Buffer.concat(r.body).toString(), 'ok');
});

test('header size limit gives 431 even without a terminator', () => {
  const r = parse(ParserKind.Request, [`GET / HTTP/1.1\r\nX: ${'a'.repeat(2000)}`], { maxHeaderBytes: 1024 });
  assert.deepEqual(r.events, ['error 431 http1.headers_too_large']);
});

test('underscore actions', () => {
  const msg = 'GET / HTTP/1.1\r\nHost: x\r\nX_Y: 1\r\n\r\n';
  assert.equal(parse(ParserKind.Request, [msg], { underscores: 'REJECT_REQUEST' }).events[0], 'error 400 http1.unexpected_underscore');
  const d = parse(ParserKind.Request, [msg], { underscores: 'DROP_HEADER' });
  assert.deepEqual(d.heads[0].headers, [['host', 'x']]);
  assert.equal(d.parser.headers.serialize(), 'host: x\r\n');
  const a = parse(ParserKind.Request, [msg]);
  assert.deepEqual(a.heads[0].headers, [['host', 'x'], ['x_y', '1']]);
});

test('HTTP/1.0 keep-alive rules', () => {
  assert.equal(parse(ParserKind.Request, ['GET / HTTP/1.0\r\n\r\n']).heads[0].keepAlive, false);
  assert.equal(parse(ParserKind.Request, ['GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n']).heads[0].keepAlive, true);
  assert.equal(parse(ParserKind.Request, ['GET / HTTP/1.1\r\nConnection: close\r\n\r\n']).heads[0].keepAlive, false);
});

test('upgrade makes the rest opaque', () => {
  const r = parse(ParserKind.Request, ['GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nRAW', 'MORE']);
  assert.deepEqual(r.events, ['head GET /ws', 'body RAW', 'body MORE']);
  assert.equal(r.parser.upgrade, true);
});

test('raw header bytes are reused until a received header changes', () => {
  const r = parse(ParserKind.Request, ['GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n']);
  const h = r.parser.headers;
  h.set('x-request-id', 'abc');
  assert.equal(h.serialize(), 'Host: x\r\nUser-Agent: t\r\nx-request-id: abc\r\n');
  h.set('host', 'y');
  assert.equal(h.serialize(), 'host: y\r\nuser-agent: t\r\nx-request-id: abc\r\n');
});

test('response framing: content-length, chunked, close-delimited, no-body codes, interim', () => {
  const r1 = parse(ParserKind.Response, ['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok']);
  assert.deepEqual(r1.events, ['head 200', 'body ok', 'complete']);
  const r2 = parse(ParserKind.Response, ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n']);
  assert.deepEqual(r2.events, ['head 200', 'body ok', 'complete']);
  const r3 = parse(ParserKind.Response, ['HTTP/1.1 200 OK\r\n\r\nabc']);
  assert.deepEqual(r3.events, ['head 200', 'body abc']);
  r3.parser.finish();
  assert.equal(r3.events.at(-1), 'complete');
  const r4 = parse(ParserKind.Response, ['HTTP/1.1 204 No Content\r\n\r\n']);
  assert.deepEqual(r4.events, ['head 204', 'complete']);
  const r5 = parse(ParserKind.Response, ['HTTP/1.1 2x0 OK\r\n\r\n']);
  assert.deepEqual(r5.events, ['error 502 http1.codec_error']);
});
