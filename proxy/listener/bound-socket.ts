// A listening socket of a listener address. It outlives listener versions: an update that keeps
// the address points the socket at the new version (no rebind, no lost connections in the
// backlog); a removal closes it.
import * as net from 'node:net';
import { listenOn } from '../network/listen-socket';
import type { SocketAddress } from '../network/types';
import type { ListenAddress } from './listener-config';

export interface AcceptTarget {
  accept(socket: net.Socket): void;
}

export class BoundSocket {
  readonly server: net.Server;
  target: AcceptTarget;
  bound: SocketAddress | undefined = undefined;
  private closed = false;

  constructor(
    readonly address: ListenAddress,
    target: AcceptTarget,
  ) {
    this.target = target;
    // allowHalfOpen: filters decide what a peer's FIN means (tcp_proxy forwards it).
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true });
    this.server.on('connection', (s: net.Socket) => this.target.accept(s));
    this.server.on('error', () => undefined);
  }

  async listen(opts: { transparent: boolean; freebind: boolean; backlog: number }): Promise<SocketAddress> {
    this.bound = await listenOn(this.server, {
      ip: this.address.ip,
      port: this.address.port,
      family: this.address.family,
      ipv4Compat: this.address.ipv4Compat,
      transparent: opts.transparent,
      freebind: opts.freebind,
      backlog: opts.backlog,
    });
    return this.bound;
  }

  /** Stops accepting; open connections are not touched. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
