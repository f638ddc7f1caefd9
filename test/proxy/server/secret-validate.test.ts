// SDS secrets are checked before they are accepted, each problem named by its field path, and a
// key's material never appears in the message.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { validateSecret } from '../../../proxy/server/secret-validate';
import { tempDir } from '../../support/proxy-process';
import { hasOpenssl, makeTestPems } from '../../support/test-certs';

const texts = (s: object): string[] => validateSecret(s as Record<string, unknown>).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));

test('a secret must have a type; data sources must hold something', () => {
  assert.deepEqual(texts({ name: 'x' }), ['the secret has no type: set one of tls_certificate, session_ticket_keys, validation_context, generic_secret']);
  assert.deepEqual(texts({ name: 'x', generic_secret: { secret: {} } }), ['generic_secret.secret: the data source is empty: set one of inline_bytes, inline_string, filename, environment_variable']);
  assert.deepEqual(texts({ name: 'x', generic_secret: { secret: { filename: '/nonexistent/tsenvoy-secret' } } }).map((t) => t.split(':').slice(0, 2).join(':')), ['generic_secret.secret.filename: cannot read /nonexistent/tsenvoy-secret']);
  assert.deepEqual(texts({ name: 'x', generic_secret: { secret: { inline_string: 'token' } } }), []);
});

test('session ticket keys are 80 bytes; a CA bundle must hold certificates', () => {
  assert.deepEqual(texts({ name: 'k', session_ticket_keys: { keys: [{ inline_bytes: Buffer.alloc(80) }, { inline_bytes: Buffer.alloc(16) }] } }), [
    'session_ticket_keys.keys[1]: a session ticket key must be 80 bytes (is 16)',
  ]);
  assert.deepEqual(texts({ name: 'ca', validation_context: { trusted_ca: { inline_string: 'not a pem' } } }), ['validation_context.trusted_ca: no PEM certificate found']);
  assert.deepEqual(texts({ name: 'ca', validation_context: {} }), []);
});

test('a certificate and key must load and belong together', { skip: !hasOpenssl() && 'openssl is not installed' }, () => {
  const p = makeTestPems(tempDir('tsenvoy-secret-'));
  const tls = (cert: string, key: string): object => ({ name: 's', tls_certificate: { certificate_chain: { inline_string: cert }, private_key: { inline_string: key } } });
  assert.deepEqual(texts(tls(p.cert, p.key)), []);
  assert.deepEqual(texts({ name: 'ca', validation_context: { trusted_ca: { inline_string: p.ca + p.cert } } }), []);
  const mismatch = texts(tls(p.cert, p.otherKey));
  assert.equal(mismatch.length, 1);
  assert.match(mismatch[0], /^tls_certificate\.private_key: the private key does not match the first certificate of certificate_chain \(CN=server\.test\)$/);
  const garbage = texts(tls(p.cert, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'));
  assert.equal(garbage.length, 1);
  assert.match(garbage[0], /^tls_certificate\.private_key: the private key does not load: /);
  assert.doesNotMatch(garbage[0], /AAAA/);
  assert.deepEqual(texts({ name: 's', tls_certificate: { private_key: { inline_string: p.key } } }), ['tls_certificate.certificate_chain: value is required']);
});

test('a file a secret names is read only when it is a regular file of bounded size', () => {
  assert.deepEqual(texts({ name: 'x', generic_secret: { secret: { filename: '/dev/zero' } } }), ['generic_secret.secret.filename: /dev/zero is not a regular file']);
});
