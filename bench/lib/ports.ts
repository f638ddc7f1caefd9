// Loopback ports: pick a free one, ask whether one is free, wait until something listens on one.
// Listening is read from /proc/net/tcp{,6} so waiting never sends a probe connection to the server
// (iperf3 -1 would take a probe for its one client).
import * as fs from 'node:fs';
import * as net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True if a listener can bind host:port right now. */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}

const LISTEN = '0A';

export function isListening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const cols = line.trim().split(/\s+/);
      if (cols.length > 3 && cols[1].endsWith(hex) && cols[3] === LISTEN) return true;
    }
  }
  return false;
}

/** Polls every 10 ms until port listens; false on timeout or when `alive()` turns false. */
export async function waitListening(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (isListening(port)) return true;
    if (!alive()) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return isListening(port);
}
