import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startAdmin } from './admin-client';
import { FakeTarget } from './fake-target';

function target(): FakeTarget {
  const t = new FakeTarget();
  t.listenerViews = [
    { name: 'virtualOutbound', addresses: [{ kind: 'socket', address: '0.0.0.0', port: 15001 }] },
    {
      name: 'virtualInbound',
      addresses: [
        { kind: 'socket', address: '0.0.0.0', port: 15006 },
        { kind: 'socket', address: '::', port: 15006 },
      ],
    },
    { name: 'uds', addresses: [{ kind: 'pipe', path: '/var/run/envoy.sock', mode: 0o600 }] },
  ];
  return t;
}

test('/listeners text: one name::address line per socket, IPv6 bracketed', async () => {
  const h = await startAdmin(target());
  try {
    const r = await h.get('/listeners');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8');
    assert.equal(
      r.body,
      'virtualOutbound::0.0.0.0:15001\nvirtualInbound::0.0.0.0:15006\nvirtualInbound::[::]:15006\n' +
        'uds::/var/run/envoy.sock\n',
    );
    // Any other format value is text, as in Envoy.
    assert.equal((await h.get('/listeners?format=text')).body, r.body);
  } finally {
    await h.close();
  }
});

test('/listeners?format=json: listener_statuses with local and additional addresses', async () => {
  const h = await startAdmin(target());
  try {
    const r = await h.get('/listeners?format=json');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(
      r.body,
      '{\n "listener_statuses": [\n  {\n   "name": "virtualOutbound",\n   "local_address": {\n' +
        '    "socket_address": {\n     "address": "0.0.0.0",\n     "port_value": 15001\n    }\n   }\n  },\n' +
        '  {\n   "name": "virtualInbound",\n   "local_address": {\n    "socket_address": {\n' +
        '     "address": "0.0.0.0",\n     "port_value": 15006\n    }\n   },\n   "additional_local_addresses": [\n' +
        '    {\n     "socket_address": {\n      "address": "::",\n      "port_value": 15006\n     }\n    }\n   ]\n' +
        '  },\n  {\n   "name": "uds",\n   "local_address": {\n    "pipe": {\n     "path": "/var/run/envoy.sock",\n' +
        '     "mode": 384\n    }\n   }\n  }\n ]\n}\n',
    );
  } finally {
    await h.close();
  }
});
