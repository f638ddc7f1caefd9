// Binds a listener's socket. Plain sockets go through net.Server.listen; sockets that need an
// option before bind (IP_TRANSPARENT for TPROXY, IP_FREEBIND) are created, bound and put into
// listen by the addon and handed to net.Server.listen({fd}), since Node binds and listens in one
// call with no hook in between.
import * as net from 'node:net';
import { errnoName, nativeSocketApi } from './native';
import { socketAddress } from './address';
import type { SocketAddress } from './types';

export interface ListenSpec {
  readonly ip: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** `::` also accepts IPv4 (SocketAddress.ipv4_compat); otherwise IPV6_V6ONLY as Envoy sets it. */
  readonly ipv4Compat: boolean;
  readonly transparent: boolean;
  readonly freebind: boolean;
  readonly backlog: number;
}

/** Starts `server` listening on `spec`; resolves with the bound address (the kernel's port for 0). */
export function listenOn(server: net.Server, spec: ListenSpec): Promise<SocketAddress> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once('error', onError);
    const done = (): void => {
      server.removeListener('error', onError);
      const a = server.address() as net.AddressInfo;
      resolve(socketAddress(a.address, a.port));
    };
    if (spec.transparent || spec.freebind) {
      const api = nativeSocketApi();
      if (!api) {
        server.removeListener('error', onError);
        reject(new Error(`cannot bind ${spec.ip}:${spec.port} with ${spec.transparent ? 'transparent' : 'freebind'}: native socket addon unavailable`));
        return;
      }
      const fd = api.createListenSocket(spec.ip, spec.port, spec.family, spec.transparent, spec.freebind, false, spec.family === 6 && !spec.ipv4Compat, spec.backlog);
      if (fd < 0) {
        server.removeListener('error', onError);
        const err = new Error(`cannot bind ${spec.ip}:${spec.port}: ${errnoName(fd)}`) as NodeJS.ErrnoException;
        err.code = errnoName(fd);
        reject(err);
        return;
      }
      server.listen({ fd, backlog: spec.backlog }, done);
      return;
    }
    server.listen({ host: spec.ip, port: spec.port, backlog: spec.backlog, ipv6Only: spec.family === 6 && !spec.ipv4Compat }, done);
  });
}
