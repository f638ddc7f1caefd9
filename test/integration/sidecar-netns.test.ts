// The sidecar interception proof: a pod network namespace (`app`) with tsenvoy-iptables' rules and
// tsenvoy running as uid 1337, joined by a veth to an `upstream` namespace, in REDIRECT and then in
// TPROXY mode. From the application's uid (1000) and from outside the pod it checks what Istio relies
// on: (a) outbound connections are captured into 15001 and reach the right upstream (the service
// listener's cluster, or PassthroughCluster), (b) inbound connections reach the application through
// 15006 with source 127.0.0.6, (c) tsenvoy's own upstream connections are not captured again (one
// downstream connection per request, each upstream request seen once), (d) excluded ports bypass the
// proxy. Nothing outside the two namespaces is touched. Needs root, iproute2, iptables and util-linux:
// outside CI it skips with the reason, in CI it fails.
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { nativeLoadError, nativeSocketApi } from '../../proxy/network/native';
import { AGENT_JS, AgentProcess } from './netns/agent-process';
import type { AgentReply, ServedRequest } from './netns/agent-protocol';
import { INBOUND_CLUSTER, PORTS, SERVICE_CLUSTER, sidecarBootstrap } from './netns/sidecar-bootstrap';
import { RUN_TSENVOY, SidecarProcess } from './netns/sidecar-process';
import { capsToRead, tsenvoyRuntimeFiles } from './netns/read-access';
import { Moved, Stats, moved, parseStats } from './netns/stats-delta';
import { Topology, createTopology, destroyTopology, inNamespace, missingPrerequisite, sh } from './netns/topology';

const TAG = process.pid;
const PROXY_UID = 1337;
const APP_UID = 1000;
const CLI_JS = path.resolve(__dirname, '..', '..', 'iptables', 'cli.js');

const missing = missingPrerequisite();
if (missing && process.env.CI) throw new Error(`sidecar-netns: ${missing}; CI must run this test as root with iproute2, iptables and util-linux installed`);
const SKIP = missing ? `skipped: ${missing}` : false;

let topo: Topology;
let appAgent: AgentProcess; // the application (uid 1000): servers on the pod address, and its client
let upAgent: AgentProcess; // everything outside the pod: servers and clients in `upstream`
let hostRulesBefore = '';
let proxyReadCaps: string[] = [];

const hostRules = () => sh('iptables-save', []).out.split('\n').filter((l) => !l.startsWith('#')).join('\n');

function iptablesInApp(args: string[]): { code: number; out: string; err: string } {
  const launch = [process.execPath, '-e', 'process.exitCode = require(process.argv[1]).main(process.argv.slice(2))', '--', CLI_JS, ...args];
  const prefix = inNamespace(topo.app);
  return sh(prefix[0], [...prefix.slice(1), ...launch]);
}

function captureArgs(mode: 'REDIRECT' | 'TPROXY'): string[] {
  return ['-p', String(PORTS.outboundCapture), '-z', String(PORTS.inboundCapture), '-u', String(PROXY_UID), '-g', String(PROXY_UID), '-m', mode,
    '-i', '*', '-b', '*', '-d', `15090,15021,15020,${PORTS.inboundExcluded}`, '-o', String(PORTS.outboundExcluded), '--enable-ipv6=false'];
}

async function readStats(): Promise<Stats> {
  const r = await appAgent.httpGet('127.0.0.1', PORTS.admin, '/stats');
  assert.ok(r.ok && r.status === 200, `GET /stats inside app: ${r.error ?? r.status}`);
  return parseStats(r.data);
}

/** Runs `fn` and returns what it got with the counters that moved meanwhile. */
async function measure(fn: () => Promise<AgentReply>): Promise<{ reply: AgentReply; moved: Moved }> {
  const before = await readStats();
  const reply = await fn();
  return { reply, moved: moved(before, await readStats()) };
}

const httpGet = (urlPath: string, host: string) => `GET ${urlPath} HTTP/1.1\r\nhost: ${host}\r\nuser-agent: netns-test\r\nconnection: close\r\n\r\n`;

/** The server's JSON answer in a raw HTTP/1.1 response (status checked) or a bare line. */
function servedBy(reply: AgentReply, http: boolean): ServedRequest {
  assert.ok(reply.ok, `exchange failed: ${reply.error}; got ${JSON.stringify(reply.data)}`);
  let body = reply.data;
  if (http) {
    assert.match(reply.data, /^HTTP\/1\.1 200 /, `response: ${JSON.stringify(reply.data)}`);
    body = reply.data.slice(reply.data.indexOf('\r\n\r\n') + 4);
  }
  try {
    return JSON.parse(body) as ServedRequest;
  } catch {
    throw new Error(`not a server answer: ${JSON.stringify(reply.data)}`);
  }
}

/** Packets counted by the first rule of `table` in app matching `rule` (iptables-save -c). */
function ruleHits(table: string, rule: RegExp): number {
  const prefix = inNamespace(topo.app);
  const saved = sh(prefix[0], [...prefix.slice(1), 'iptables-save', '-c', '-t', table]).out;
  for (const line of saved.split('\n')) {
    const m = /^\[(\d+):\d+\] (.*)$/.exec(line);
    if (m && rule.test(m[2])) return Number(m[1]);
  }
  throw new Error(`no rule matching ${rule} in app's ${table} table:\n${saved}`);
}

const NOTHING_MOVED = { listenerCx: {}, clusterCx: {}, clusterRq: {}, downstreamConnections: 0 };

before(async () => {
  if (SKIP) return;
  assert.ok(nativeSocketApi(), `the native addon does not load (${nativeLoadError()}); build it with npx node-gyp rebuild`);
  hostRulesBefore = hostRules();
  const proxyAccess = capsToRead(PROXY_UID, [RUN_TSENVOY, ...tsenvoyRuntimeFiles()]);
  const appAccess = capsToRead(APP_UID, [AGENT_JS]);
  proxyReadCaps = proxyAccess.caps;
  for (const [uid, a] of [[PROXY_UID, proxyAccess], [APP_UID, appAccess]] as const) {
    if (a.unreadable.length) console.log(`sidecar-netns: uid ${uid} cannot read ${a.unreadable.join(', ')}; giving it CAP_DAC_READ_SEARCH`);
  }
  destroyTopology(TAG); // a previous run with this pid that died before its after hook
  topo = createTopology(TAG);
  const up = await AgentProcess.start(inNamespace(topo.upstream), {
    name: 'upstream',
    listen: [PORTS.service, PORTS.serviceBackend, PORTS.passthrough, PORTS.outboundExcluded].map((port) => ({ host: topo.upstreamIp, port })),
  });
  upAgent = up.agent;
  const app = await AgentProcess.start(inNamespace(topo.app, APP_UID, appAccess.caps), {
    name: 'app',
    listen: [PORTS.appHttp, PORTS.appOther, PORTS.inboundExcluded].map((port) => ({ host: topo.appIp, port })),
  });
  appAgent = app.agent;
  assert.equal(app.uid, APP_UID, 'the application agent runs as uid 1000');
});

after(async () => {
  if (SKIP) return;
  await appAgent?.stop();
  await upAgent?.stop();
  const problems = destroyTopology(TAG);
  assert.deepEqual(problems, [], 'namespace cleanup');
  assert.equal(hostRules(), hostRulesBefore, "the host namespace's iptables rules changed");
});

for (const mode of ['REDIRECT', 'TPROXY'] as const) {
  describe(`${mode} interception`, { skip: SKIP, timeout: 30000 }, () => {
    let sidecar: SidecarProcess | undefined;
    const tag = mode.toLowerCase();

    before(async () => {
      const applied = iptablesInApp(captureArgs(mode));
      assert.equal(applied.code, 0, `tsenvoy-iptables ${mode}: ${applied.err}`);
      // TPROXY's transparent listener needs CAP_NET_ADMIN, which Istio grants the sidecar in that mode.
      const caps = [...(mode === 'TPROXY' ? ['net_admin'] : []), ...proxyReadCaps];
      sidecar = await SidecarProcess.start(inNamespace(topo.app, PROXY_UID, caps), sidecarBootstrap(topo, mode), PROXY_UID);
      assert.equal(sidecar.uid(), PROXY_UID, 'tsenvoy runs as uid 1337');
      // The admin address is written before the listeners bind; /ready turns LIVE once they have.
      const deadline = Date.now() + 10000;
      for (;;) {
        const ready = await appAgent.httpGet('127.0.0.1', PORTS.admin, '/ready');
        if (ready.status === 200 && ready.data === 'LIVE\n') break;
        assert.ok(Date.now() < deadline, `tsenvoy not LIVE within 10 s (${ready.status} ${ready.data}):\n${sidecar.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const listeners = await appAgent.httpGet('127.0.0.1', PORTS.admin, '/listeners');
      assert.match(listeners.data, /virtualInbound::0\.0\.0\.0:15006/, `${listeners.data}\n${sidecar.output()}`);
    });

    after(async () => {
      await sidecar?.stop();
      const cleaned = iptablesInApp(['--cleanup-only']);
      assert.equal(cleaned.code, 0, `tsenvoy-iptables --cleanup-only: ${cleaned.err}`);
    });

    test('(a) outbound: captured into 15001, handed to the service listener or passed through, counted', async () => {
      const svc = await measure(() => appAgent.exchange(topo.upstreamIp, PORTS.service, httpGet(`/a-svc-${tag}`, `upstream.test:${PORTS.service}`)));
      const got = servedBy(svc.reply, true);
      assert.equal(got.server, 'upstream');
      assert.equal(got.port, PORTS.serviceBackend, `the service cluster's endpoint answered, not the port dialled: ${JSON.stringify(got)}`);
      assert.equal(got.remote, topo.appIp);
      assert.match(svc.reply.data, /\r\nx-envoy-upstream-service-time: \d+\r\n/i, 'the response went through the HCM router');
      assert.deepEqual(svc.moved.listenerCx, { [`0.0.0.0_${PORTS.service}`]: 1 }, `${mode} service request: ${JSON.stringify(svc.moved)}`);
      assert.deepEqual(svc.moved.clusterCx, { [SERVICE_CLUSTER]: 1 });
      assert.deepEqual(svc.moved.clusterRq, { [SERVICE_CLUSTER]: 1 });

      const pass = await measure(() => appAgent.exchange(topo.upstreamIp, PORTS.passthrough, `PING a-pass-${tag}\n`));
      const passed = servedBy(pass.reply, false);
      assert.deepEqual([passed.server, passed.port, passed.remote], ['upstream', PORTS.passthrough, topo.appIp]);
      assert.deepEqual(pass.moved.listenerCx, { [`0.0.0.0_${PORTS.outboundCapture}`]: 1 }, `${mode} passthrough: ${JSON.stringify(pass.moved)}`);
      assert.deepEqual(pass.moved.clusterCx, { PassthroughCluster: 1 });
    });

    test('(b) inbound: captured into 15006, reaches the application from 127.0.0.6', async () => {
      const viaHcm = await measure(() => upAgent.exchange(topo.appIp, PORTS.appHttp, httpGet(`/b-http-${tag}`, `app.test:${PORTS.appHttp}`)));
      const h = servedBy(viaHcm.reply, true);
      assert.deepEqual([h.server, h.port, h.remote], ['app', PORTS.appHttp, '127.0.0.6'], JSON.stringify(h));
      assert.deepEqual(viaHcm.moved.listenerCx, { [`0.0.0.0_${PORTS.inboundCapture}`]: 1 }, `${mode} inbound HTTP: ${JSON.stringify(viaHcm.moved)}`);
      assert.deepEqual(viaHcm.moved.clusterRq, { [INBOUND_CLUSTER]: 1 });

      const viaTcp = await measure(() => upAgent.exchange(topo.appIp, PORTS.appHttp, `PING b-tcp-${tag}\n`));
      const t = servedBy(viaTcp.reply, false);
      assert.deepEqual([t.server, t.port, t.remote], ['app', PORTS.appHttp, '127.0.0.6'], JSON.stringify(t));
      assert.deepEqual(viaTcp.moved.clusterCx, { [INBOUND_CLUSTER]: 1 }, `${mode} inbound TCP: ${JSON.stringify(viaTcp.moved)}`);
      assert.deepEqual(viaTcp.moved.clusterRq, {});

      const viaPassthrough = await measure(() => upAgent.exchange(topo.appIp, PORTS.appOther, `PING b-pass-${tag}\n`));
      const p = servedBy(viaPassthrough.reply, false);
      assert.deepEqual([p.server, p.port, p.remote], ['app', PORTS.appOther, '127.0.0.6'], JSON.stringify(p));
      assert.deepEqual(viaPassthrough.moved.listenerCx, { [`0.0.0.0_${PORTS.inboundCapture}`]: 1 });
      assert.deepEqual(viaPassthrough.moved.clusterCx, { InboundPassthroughClusterIpv4: 1 }, `${mode} inbound passthrough: ${JSON.stringify(viaPassthrough.moved)}`);
      // And it was this mode's rule that diverted them: nat REDIRECT, or mangle TPROXY (first packets only).
      const diverted = mode === 'TPROXY'
        ? ruleHits('mangle', /^-A ISTIO_TPROXY .*-j TPROXY .*--on-port 15006/)
        : ruleHits('nat', /^-A ISTIO_IN_REDIRECT .*-j REDIRECT --to-ports 15006/);
      assert.ok(diverted >= 3, `${mode}: ${diverted} packets hit the inbound capture rule`);
    });

    test("(c) no loop: tsenvoy's own connections are not captured again", async () => {
      const requests: { agent: AgentProcess; seenBy: AgentProcess; host: string; port: number; marker: string; http: boolean }[] = [];
      for (let i = 0; i < 3; i++) {
        requests.push({ agent: appAgent, seenBy: upAgent, host: topo.upstreamIp, port: PORTS.service, marker: `/c-svc-${tag}-${i}`, http: true });
        requests.push({ agent: appAgent, seenBy: upAgent, host: topo.upstreamIp, port: PORTS.passthrough, marker: `c-pass-${tag}-${i}`, http: false });
        requests.push({ agent: upAgent, seenBy: appAgent, host: topo.appIp, port: PORTS.appHttp, marker: `/c-in-${tag}-${i}`, http: true });
      }
      const before = await readStats();
      for (const r of requests) {
        const payload = r.http ? httpGet(r.marker, `${r.host}:${r.port}`) : `PING ${r.marker}\n`;
        servedBy(await r.agent.exchange(r.host, r.port, payload), r.http);
        assert.equal(r.seenBy.sawRequest(r.marker + (r.http ? ' ' : '')).length, 1, `${r.marker} reached its server exactly once`);
      }
      const m = moved(before, await readStats());
      assert.equal(m.downstreamConnections, requests.length, `one downstream connection per request: ${JSON.stringify(m)}`);
      assert.deepEqual(m.listenerCx, {
        [`0.0.0.0_${PORTS.service}`]: 3,
        [`0.0.0.0_${PORTS.outboundCapture}`]: 3,
        [`0.0.0.0_${PORTS.inboundCapture}`]: 3,
      });
      assert.deepEqual(m.clusterCx, { [SERVICE_CLUSTER]: 3, PassthroughCluster: 3, [INBOUND_CLUSTER]: 3 });
      // Every request the servers ever saw in this mode was made by the test once (no re-captured copies).
      const all = [...upAgent.served, ...appAgent.served].filter((s) => s.request.includes(`-${tag}`));
      const distinct = new Set(all.map((s) => s.request));
      assert.equal(all.length, distinct.size, `duplicated requests: ${JSON.stringify(all)}`);
    });

    test('(d) excluded ports bypass the proxy: -o outbound and -d inbound', async () => {
      const out = await measure(() => appAgent.exchange(topo.upstreamIp, PORTS.outboundExcluded, `PING d-out-${tag}\n`));
      const o = servedBy(out.reply, false);
      assert.deepEqual([o.server, o.port, o.remote], ['upstream', PORTS.outboundExcluded, topo.appIp]);
      assert.deepEqual(out.moved, NOTHING_MOVED, `${mode} -o ${PORTS.outboundExcluded}: ${JSON.stringify(out.moved)}`);

      const inb = await measure(() => upAgent.exchange(topo.appIp, PORTS.inboundExcluded, `PING d-in-${tag}\n`));
      const i = servedBy(inb.reply, false);
      assert.deepEqual([i.server, i.port, i.remote], ['app', PORTS.inboundExcluded, topo.upstreamIp], 'the application sees the real client, not 127.0.0.6');
      assert.deepEqual(inb.moved, NOTHING_MOVED, `${mode} -d ${PORTS.inboundExcluded}: ${JSON.stringify(inb.moved)}`);
    });
  });
}
