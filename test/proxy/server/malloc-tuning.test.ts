// The addon's malloc tuning: on glibc the mmap threshold is fixed (mallopt answers 0), bad sizes
// are refused with EINVAL, and a threshold the operator set in the environment is left alone.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeSocketApi } from '../../../proxy/network/native';
import { MMAP_THRESHOLD_BYTES } from '../../../proxy/server/malloc-tuning';

const glibc = Boolean((process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime);

test('setMmapThreshold: 0 on glibc for a valid size, -EINVAL for a bad one', () => {
  const api = nativeSocketApi();
  assert.ok(api?.setMmapThreshold, 'build/Release/tsenvoy_native.node should export setMmapThreshold (rebuild with npm install)');
  assert.equal(api.setMmapThreshold(MMAP_THRESHOLD_BYTES), glibc ? 0 : -38);
  assert.equal(api.setMmapThreshold(0), -22);
  assert.equal(api.setMmapThreshold(-5), -22);
});

test('tuneMalloc fixes the threshold, and leaves MALLOC_MMAP_THRESHOLD_ to the operator', () => {
  // In a child whose addon is a stub (TSENVOY_NATIVE_ADDON) that counts the calls it gets.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-malloc-'));
  try {
    const stub = path.join(dir, 'stub.js');
    fs.writeFileSync(stub, 'globalThis.mmapCalls = []; module.exports = { constants: {}, setMmapThreshold: (n) => { globalThis.mmapCalls.push(n); return 0; } };');
    const script = `require(${JSON.stringify(require.resolve('../../../proxy/server/malloc-tuning'))}).tuneMalloc();
      process.stdout.write(JSON.stringify(globalThis.mmapCalls ?? []));`;
    const run = (extra: NodeJS.ProcessEnv): unknown => {
      const env: NodeJS.ProcessEnv = { ...process.env, TSENVOY_NATIVE_ADDON: stub, ...extra };
      if (!('MALLOC_MMAP_THRESHOLD_' in extra)) delete env.MALLOC_MMAP_THRESHOLD_;
      return JSON.parse(execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }));
    };
    assert.deepEqual(run({}), [MMAP_THRESHOLD_BYTES]);
    assert.deepEqual(run({ MALLOC_MMAP_THRESHOLD_: '65536' }), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
