// An SDS Secret (envoy.extensions.transport_sockets.tls.v3.Secret, canonical) checked as Envoy
// checks it before accepting: a TLS certificate's chain and key must load and belong together, a
// validation context's CA bundle must hold certificates, session ticket keys must be 80 bytes.
// Each issue names its field path, so the NACK tells the control plane which part is wrong.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import type { Canonical } from '../config/canonical';
import type { ConfigIssue } from '../config/result';

const SECRET_TYPES = ['tls_certificate', 'session_ticket_keys', 'validation_context', 'generic_secret'] as const;

/** A DataSource's bytes, or an issue at `path`; undefined when the source is absent. */
function dataSource(ds: Canonical | undefined, path: string, issues: ConfigIssue[]): Buffer | undefined {
  if (ds === undefined) return undefined;
  if (Buffer.isBuffer(ds.inline_bytes)) return ds.inline_bytes;
  if (typeof ds.inline_string === 'string') return Buffer.from(ds.inline_string);
  if (typeof ds.filename === 'string') return readBounded(ds.filename, `${path}.filename`, issues);
  if (typeof ds.environment_variable === 'string') {
    const v = process.env[ds.environment_variable];
    if (v === undefined) issues.push({ path: `${path}.environment_variable`, message: `environment variable ${ds.environment_variable} is not set` });
    return v === undefined ? undefined : Buffer.from(v);
  }
  issues.push({ path, message: 'the data source is empty: set one of inline_bytes, inline_string, filename, environment_variable' });
  return undefined;
}

/** Certificates, keys and CA bundles are small: a bigger file is refused rather than read. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * A file a secret names, read only if it is a regular file of bounded size: a control plane
 * naming a FIFO or /dev/zero must not block the proxy or exhaust its memory.
 */
function readBounded(file: string, path: string, issues: ConfigIssue[]): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      issues.push({ path, message: `${file} is not a regular file` });
      return undefined;
    }
    if (st.size > MAX_FILE_BYTES) {
      issues.push({ path, message: `${file} is ${st.size} bytes; at most ${MAX_FILE_BYTES} are read` });
      return undefined;
    }
    return fs.readFileSync(fd);
  } catch (e) {
    issues.push({ path, message: `cannot read ${file}: ${(e as Error).message}` });
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The PEM certificates in `pem` (a chain or a CA bundle), or an issue at `path`. */
function certificates(pem: Buffer, path: string, issues: ConfigIssue[]): X509Certificate[] {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    issues.push({ path, message: 'no PEM certificate found' });
    return [];
  }
  const out: X509Certificate[] = [];
  for (let i = 0; i < blocks.length; i++) {
    try {
      out.push(new X509Certificate(blocks[i]));
    } catch (e) {
      issues.push({ path, message: `certificate ${i + 1} does not parse: ${(e as Error).message}` });
    }
  }
  return out;
}

function tlsCertificate(c: Canonical, issues: ConfigIssue[]): void {
  const p = 'tls_certificate';
  for (const unsupported of ['private_key_provider', 'pkcs12', 'watched_directory']) {
    if (c[unsupported] !== undefined) issues.push({ path: `${p}.${unsupported}`, message: 'is not supported by tsenvoy' });
  }
  if (c.certificate_chain === undefined) issues.push({ path: `${p}.certificate_chain`, message: 'value is required' });
  if (c.private_key === undefined) issues.push({ path: `${p}.private_key`, message: 'value is required' });
  const chain = dataSource(c.certificate_chain as Canonical | undefined, `${p}.certificate_chain`, issues);
  const key = dataSource(c.private_key as Canonical | undefined, `${p}.private_key`, issues);
  const certs = chain ? certificates(chain, `${p}.certificate_chain`, issues) : [];
  if (!key || certs.length === 0) return;
  let k;
  try {
    const pass = dataSource(c.password as Canonical | undefined, `${p}.password`, issues);
    k = createPrivateKey({ key, passphrase: pass });
  } catch (e) {
    // Never quote the key material: only the parser's reason.
    issues.push({ path: `${p}.private_key`, message: `the private key does not load: ${(e as Error).message}` });
    return;
  }
  if (!certs[0].checkPrivateKey(k)) {
    issues.push({ path: `${p}.private_key`, message: `the private key does not match the first certificate of certificate_chain (${certs[0].subject.replace(/\n/g, ', ')})` });
  }
}

function validationContext(v: Canonical, issues: ConfigIssue[]): void {
  const p = 'validation_context';
  const ca = dataSource(v.trusted_ca as Canonical | undefined, `${p}.trusted_ca`, issues);
  if (ca) certificates(ca, `${p}.trusted_ca`, issues);
  const crl = v.crl as Canonical | undefined;
  if (crl !== undefined) issues.push({ path: `${p}.crl`, message: 'certificate revocation lists are not supported by tsenvoy' });
}

/** Every problem with `secret`, each with its field path; empty when Envoy would accept it. */
export function validateSecret(secret: Canonical): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const present = SECRET_TYPES.filter((t) => secret[t] !== undefined);
  if (present.length === 0) {
    issues.push({ path: '', message: `the secret has no type: set one of ${SECRET_TYPES.join(', ')}` });
    return issues;
  }
  if (secret.tls_certificate !== undefined) tlsCertificate(secret.tls_certificate as Canonical, issues);
  if (secret.validation_context !== undefined) validationContext(secret.validation_context as Canonical, issues);
  const stk = secret.session_ticket_keys as Canonical | undefined;
  ((stk?.keys as Canonical[] | undefined) ?? []).forEach((k, i) => {
    const b = dataSource(k, `session_ticket_keys.keys[${i}]`, issues);
    if (b && b.length !== 80) issues.push({ path: `session_ticket_keys.keys[${i}]`, message: `a session ticket key must be 80 bytes (is ${b.length})` });
  });
  const gs = secret.generic_secret as Canonical | undefined;
  if (gs !== undefined) dataSource(gs.secret as Canonical | undefined, 'generic_secret.secret', issues);
  return issues;
}
