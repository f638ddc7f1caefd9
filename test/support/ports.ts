// Loopback ports for tests: one that was free a moment ago (for a listener the test configures), which
// is also a port nothing listens on (for a connect that must fail).
import * as net from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}
