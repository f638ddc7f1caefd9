// The native socket addon: it is built by npm install (node-gyp), getOriginalDst falls back to
// the local address when a connection was not redirected (or without the addon), and listen
// sockets created with options before bind (IP_FREEBIND, IP_TRANSPARENT) serve connections.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { nativeSocketApi } from '../../../proxy/network/native';
import { getOriginalDst, socketFd } from '../../../proxy/network/original-dst';
import { addListener, newEnv, namedChain, probe } from '../listener/harness';

function acceptedPair(): Promise<{ server: net.Server; accepted: net.Socket; client: net.Socket }> {
  return new Promise((resolve) => {
    const server = net.createServer((accepted) => resolve({ server, accepted, client }));
    let client: net.Socket;
    server.listen(0, '127.0.0.1', () => {
      client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    });
  });
}

test('the addon is built and loads', () => {
  const api = nativeSocketApi();
  assert.ok(api, 'build/Release/tsenvoy_native.node should be built by npm install');
  assert.equal(typeof api.getOriginalDst, 'function');
  assert.equal(api.constants.IP_TRANSPARENT, 19);
});

test('getOriginalDst: a connection that was not redirected reports its local address', async () => {
  const { server, accepted, client } = await acceptedPair();
  try {
    const api = nativeSocketApi()!;
    const fd = socketFd(accepted);
    assert.ok(fd > 2);
    const raw = api.getOriginalDst(fd);
    assert.ok(raw === -api.constants.ENOENT || raw === -api.constants.ENOPROTOOPT, `expected ENOENT/ENOPROTOOPT, got ${JSON.stringify(raw)}`);
    const r = getOriginalDst(accepted);
    assert.equal(r.source, 'local_address');
    assert.deepEqual(r.address, { ip: '127.0.0.1', port: (server.address() as net.AddressInfo).port, family: 4 });
    assert.equal(api.getOriginalDst(-1), -9 /* EBADF */);
  } finally {
    client.destroy();
    accepted.destroy();
    server.close();
  }
});

test('without the addon the original destination is the local address (child process)', () => {
  const mod = path.resolve(__dirname, '../../../proxy/network/original-dst.js');
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `const net=require('net');const {getOriginalDst}=require(${JSON.stringify(mod)});
       const s=net.createServer(a=>{const r=getOriginalDst(a);console.log(JSON.stringify(r));a.destroy();c.destroy();s.close();});
       let c;s.listen(0,'127.0.0.1',()=>{c=net.connect(s.address().port,'127.0.0.1');});`,
    ],
    { env: { ...process.env, TSENVOY_NATIVE_ADDON: '/nonexistent/addon.node' }, encoding: 'utf8' },
  );
  const r = JSON.parse(out.trim().split('\n').pop()!);
  assert.equal(r.source, 'local_address');
  assert.equal(r.address.ip, '127.0.0.1');
});

test('createListenSocket with IP_FREEBIND binds a non-local address; errors come back as -errno', () => {
  const api = nativeSocketApi()!;
  const fd = api.createListenSocket('192.0.2.55', 0, 4, false, true, false, false, 16);
  assert.ok(fd > 2, `freebind bind failed: ${fd}`);
  assert.equal(api.getSockOptInt(fd, api.constants.SOL_IP, api.constants.IP_FREEBIND), 1);
  assert.equal(api.closeFd(fd), 0);
  const busy = api.createListenSocket('192.0.2.55', 0, 4, false, false, false, false, 16);
  assert.ok(busy < 0, 'a non-local address without freebind must fail');
  assert.equal(api.createListenSocket('not-an-ip', 0, 4, false, false, false, false, 16), -22 /* EINVAL */);
});

test('IP_TRANSPARENT listen socket: set before bind when permitted, else EPERM', () => {
  const api = nativeSocketApi()!;
  const fd = api.createListenSocket('127.0.0.1', 0, 4, true, false, false, false, 16);
  if (fd === -api.constants.EPERM) return; // no CAP_NET_ADMIN here: the error is reported, not hidden
  assert.ok(fd > 2, `transparent listen failed: ${fd}`);
  assert.equal(api.getSockOptInt(fd, api.constants.SOL_IP, api.constants.IP_TRANSPARENT), 1);
  api.closeFd(fd);
});

test('listeners with freebind (and transparent when permitted) serve through net.Server.listen({fd})', async () => {
  const env = newEnv();
  try {
    await addListener(env, { name: 'fb', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, freebind: true, filter_chains: [namedChain('freebind')] });
    assert.equal(await probe(env.lm.boundAddress('fb')!.port), 'freebind');
    const api = nativeSocketApi()!;
    const probeFd = api.createListenSocket('127.0.0.1', 0, 4, true, false, false, false, 1);
    if (probeFd >= 0) {
      api.closeFd(probeFd);
      await addListener(env, { name: 'tp', address: { socket_address: { address: '127.0.0.2', port_value: 0 } }, transparent: true, filter_chains: [namedChain('transparent')] });
      assert.equal(await probe(env.lm.boundAddress('tp')!.port, { host: '127.0.0.2' }), 'transparent');
    }
  } finally {
    await env.close();
  }
});
