// Interop proof for the test control plane: @grpc/grpc-js-xds, gRPC's own independent xDS
// client, is pointed at it and must resolve `xds:///my-service` through LDS -> RDS -> CDS -> EDS
// (resources encoded by proto-binary-encode) and reach a real gRPC server on 127.0.0.1.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ControlPlane } from './control-plane';
import { T } from './harness';

const ECHO = '/tsenvoy.test.Echo/Say';
const identity = (b: Buffer): Buffer => b;

async function echoServer(tag: string): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  const def: grpc.ServiceDefinition = {
    Say: { path: ECHO, requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
  };
  server.addService(def, {
    Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, Buffer.concat([Buffer.from(`${tag}:`), call.request])),
  });
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  return { server, port };
}

function hcm(rdsName: string): Record<string, unknown> {
  return {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    rds: { route_config_name: rdsName, config_source: { ads: {}, resource_api_version: 'V3' } },
    http_filters: [{ name: 'router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
  };
}

function call(client: grpc.Client, msg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    client.makeUnaryRequest(ECHO, identity, identity, Buffer.from(msg), new grpc.Metadata(), { deadline }, (err, res) => (err ? reject(err) : resolve(res!.toString())));
  });
}

test('@grpc/grpc-js-xds resolves xds:///my-service through this control plane and calls the backend', async () => {
  const cp = await ControlPlane.start();
  const backend = await echoServer('backend-1');
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${cp.port}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: 'interop-test', locality: { zone: 'z' } },
  });
  // Loaded only now: it reads the bootstrap on first use.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
  cp.setResources(T.LISTENER, { 'my-service': { name: 'my-service', api_listener: { api_listener: hcm('route-1') } } }, false);
  cp.setResources(T.ROUTE, {
    'route-1': { name: 'route-1', virtual_hosts: [{ name: 'vh', domains: ['my-service'], routes: [{ match: { prefix: '' }, route: { cluster: 'cluster-1' } }] }] },
  }, false);
  cp.setResources(T.CLUSTER, {
    'cluster-1': { name: 'cluster-1', type: 'EDS', lb_policy: 'ROUND_ROBIN', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: 'eds-1' } },
  }, false);
  const cla = (port: number): Record<string, unknown> => ({
    cluster_name: 'eds-1',
    endpoints: [{ locality: { region: 'r', zone: 'z' }, load_balancing_weight: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, health_status: 'HEALTHY' }] }],
  });
  cp.setResources(T.ENDPOINT, { 'eds-1': cla(backend.port) }, false);
  const client = new grpc.Client('xds:///my-service', grpc.credentials.createInsecure());
  let backend2: { server: grpc.Server; port: number } | undefined;
  try {
    assert.equal(await call(client, 'hello'), 'backend-1:hello');
    // gRPC's client subscribed by name and ACKed every type with the version we sent.
    for (const t of [T.LISTENER, T.ROUTE, T.CLUSTER, T.ENDPOINT]) {
      const ack = await cp.waitForRequest((q) => q.type_url === t && q.version_info === cp.version(t) && !q.error_detail);
      assert.ok(ack.response_nonce);
    }
    assert.deepEqual(cp.requests.find((q) => q.type_url === T.LISTENER)!.resource_names, ['my-service']);
    assert.equal((cp.requests[0].node as { id: string }).id, 'interop-test');

    // An EDS push moves traffic to a new backend.
    backend2 = await echoServer('backend-2');
    cp.upsert(T.ENDPOINT, 'eds-1', cla(backend2.port));
    const end = Date.now() + 5000;
    let got = '';
    while (Date.now() < end && !got.startsWith('backend-2')) got = await call(client, 'again');
    assert.equal(got, 'backend-2:again');

    // A broken route is NACKed by gRPC's client with an error_detail; the previous version stays.
    const good = cp.version(T.ROUTE);
    cp.upsert(T.ROUTE, 'route-1', { name: 'route-1', virtual_hosts: [{ name: 'vh', domains: ['my-service'], routes: [{ match: { prefix: '' } }] }] });
    const nack = await cp.waitForRequest((q) => q.type_url === T.ROUTE && q.error_detail !== undefined);
    assert.equal(nack.version_info, good);
  } finally {
    client.close();
    backend.server.forceShutdown();
    backend2?.server.forceShutdown();
    cp.stop();
  }
});
