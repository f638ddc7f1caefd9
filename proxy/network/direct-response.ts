// envoy.filters.network.direct_response: writes the configured bytes and closes the connection
// (after flushing), never reading what the peer sent.
import type * as net from 'node:net';
import type { Canonical } from '../config/canonical';
import { ConfigError } from '../config/result';
import type { ConnectionInfo, NetworkFilter } from './types';

export const DIRECT_RESPONSE_TYPE = 'envoy.extensions.filters.network.direct_response.v3.Config';

function noop(): void {}

export class DirectResponse implements NetworkFilter {
  private readonly body: Buffer;

  constructor(c: Canonical) {
    const r = c.response as Canonical | undefined;
    let body: Buffer = Buffer.alloc(0);
    if (r !== undefined) {
      if (typeof r.inline_string === 'string') body = Buffer.from(r.inline_string);
      else if (Buffer.isBuffer(r.inline_bytes)) body = r.inline_bytes;
      else if (r.filename !== undefined || r.environment_variable !== undefined) {
        throw new ConfigError([{ path: 'response', message: 'only inline_string / inline_bytes are supported' }], 'direct_response');
      }
    }
    this.body = body;
  }

  handleConnection(socket: net.Socket, _info: ConnectionInfo): void {
    socket.on('error', noop);
    // Data the peer sends is discarded; the connection closes once the response is flushed.
    socket.resume();
    if (this.body.length) socket.write(this.body);
    socket.end(() => socket.destroy());
  }
}
