// haproxy as an HTTP peer (keep-alive both sides, connection reuse) or a TCP peer, one thread,
// in the foreground (-db), config in the scenario's temp dir.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startListening } from './start-listening';
import type { PeerContext, Started } from './types';

function haproxyConf(mode: 'http' | 'tcp', port: number, upstreamPort: number): string {
  return `global
  nbthread 1
  maxconn 4096
defaults
  mode ${mode}
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend bench_fe
  bind 127.0.0.1:${port}
  default_backend bench_be
backend bench_be
${mode === 'http' ? '  http-reuse always\n' : ''}  server up 127.0.0.1:${upstreamPort}
`;
}

export function startHaproxy(bin: string, mode: 'http' | 'tcp', ctx: PeerContext): Promise<Started> {
  const conf = path.join(fs.mkdtempSync(path.join(ctx.tmp, 'haproxy-')), 'haproxy.cfg');
  return startListening('haproxy', bin, (port) => {
    fs.writeFileSync(conf, haproxyConf(mode, port, ctx.upstreamPort));
    return ['-db', '-f', conf];
  }, { cpu: ctx.cpu });
}
