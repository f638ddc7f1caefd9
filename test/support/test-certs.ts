// Certificates for tests, made with the openssl CLI (Debian's openssl, pulled in by
// ca-certificates in CI), and the SDS Secret resources that carry them.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

type Obj = Record<string, unknown>;

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** PEM texts: a CA, a server certificate it signed and its key, and a key of no certificate here. */
export interface TestPems {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  readonly otherKey: string;
}

export function makeTestPems(dir: string): TestPems {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=server.test');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2');
  run('genrsa', '-out', 'other.key', '2048');
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  return { ca: read('ca.pem'), cert: read('server.pem'), key: read('server.key'), otherKey: read('other.key') };
}

/** An SDS Secret with a TLS certificate (chain and key inline). */
export function certSecret(name: string, cert: string, key: string): Obj {
  return { name, tls_certificate: { certificate_chain: { inline_string: cert }, private_key: { inline_string: key } } };
}

/** An SDS Secret with a validation context (a CA bundle inline). */
export function caSecret(name: string, ca: string): Obj {
  return { name, validation_context: { trusted_ca: { inline_string: ca } } };
}
