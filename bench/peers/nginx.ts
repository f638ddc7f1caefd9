// nginx as an HTTP peer (one worker, proxy_pass to an upstream block with keepalive) and as the
// static upstream (`return 200`, cheaper per request than any Node server, so the load core is not
// the limit). Every path (pid, logs, temp dirs) lives in a temp dir; `-e` keeps nginx off the
// system error log. keepalive_requests is raised on both sides: its default of 1000 would close
// wrk's connections mid-run, which haproxy and tsenvoy do not do.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BODY } from '../servers/upstream-http';
import { startListening } from './start-listening';
import type { PeerContext, Started } from './types';

function nginxConf(dir: string, server: string, upstreamBlock = ''): string {
  const p = (name: string): string => path.join(dir, name);
  return `worker_processes 1;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path ${p('body')};
  proxy_temp_path ${p('proxy')};
  fastcgi_temp_path ${p('fastcgi')};
  uwsgi_temp_path ${p('uwsgi')};
  scgi_temp_path ${p('scgi')};
${upstreamBlock}  server {
${server}  }
}
`;
}

function start(name: string, bin: string, tmp: string, cpu: number | undefined, conf: (dir: string, port: number) => string): Promise<Started> {
  const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
  const file = path.join(dir, 'nginx.conf');
  return startListening(name, bin, (port) => {
    fs.writeFileSync(file, conf(dir, port));
    return ['-p', dir, '-c', file, '-e', path.join(dir, 'error.log'), '-g', 'daemon off;'];
  }, { cpu });
}

/**
 * nginx in front of the upstream. `pooled` (the fair like-for-like peer, since tsenvoy pools)
 * keeps upstream connections alive; without it, nginx runs a stock `proxy_pass`: HTTP/1.0 and a
 * new upstream connection per request. Neither reproduces the ~18k req/s the HTTP issue quotes for
 * "nginx 1.22 proxy_pass": here stock gives 8-10k, pooled 29-35k (28k with the access log on).
 */
export function startNginx(bin: string, ctx: PeerContext, pooled = true): Promise<Started> {
  if (!pooled) {
    return start('nginx-stock', bin, ctx.tmp, ctx.cpu, (dir, port) => nginxConf(dir, `    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${ctx.upstreamPort};
    }
`));
  }
  const upstream = `  upstream bench_upstream {
    server 127.0.0.1:${ctx.upstreamPort};
    keepalive 64;
    keepalive_requests 100000000;
  }
`;
  return start('nginx', bin, ctx.tmp, ctx.cpu, (dir, port) => nginxConf(dir, `    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
`, upstream));
}

/** The shared upstream, answering every request with the same small body as upstream-http.ts. */
export function startNginxUpstream(bin: string, tmp: string, cpu: number | undefined): Promise<Started> {
  return start('nginx-upstream', bin, tmp, cpu, (dir, port) => nginxConf(dir, `    listen 127.0.0.1:${port};
    default_type text/plain;
    location / { return 200 ${JSON.stringify(BODY)}; }
`));
}
