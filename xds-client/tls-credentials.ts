// gRPC channel credentials for a control plane reached over TLS, from the cluster's
// UpstreamTlsContext as Envoy reads it: inline or file certificates, a trusted CA (absent: the
// server is not verified, as in Envoy), SNI, and subject-alt-name matchers. Certificates that
// come from SDS cannot be had before the xDS stream they would secure exists in this client.
import * as fs from 'node:fs';
import { PeerCertificate } from 'node:tls';
import { ChannelCredentials, credentials } from '@grpc/grpc-js';

type Obj = Readonly<Record<string, unknown>>;

export class TlsConfigError extends Error {}

/** Envoy's DataSource: filename, inline_bytes, inline_string or environment_variable. */
export function readDataSource(ds: Obj | undefined, path: string): Buffer | undefined {
  if (!ds) return undefined;
  if (typeof ds.filename === 'string') {
    try {
      return fs.readFileSync(ds.filename);
    } catch (e) {
      throw new TlsConfigError(`${path}.filename: cannot read ${ds.filename}: ${(e as Error).message}`);
    }
  }
  if (ds.inline_bytes instanceof Uint8Array) return Buffer.from(ds.inline_bytes);
  if (typeof ds.inline_bytes === 'string') return Buffer.from(ds.inline_bytes, 'base64');
  if (typeof ds.inline_string === 'string') return Buffer.from(ds.inline_string);
  if (typeof ds.environment_variable === 'string') {
    const v = process.env[ds.environment_variable];
    if (v === undefined) throw new TlsConfigError(`${path}.environment_variable: ${ds.environment_variable} is not set`);
    return Buffer.from(v);
  }
  return undefined;
}

function stringMatches(m: Obj, value: string): boolean {
  const ic = m.ignore_case === true;
  const v = ic ? value.toLowerCase() : value;
  const norm = (s: unknown): string => (ic ? String(s).toLowerCase() : String(s));
  if (m.exact !== undefined) return v === norm(m.exact);
  if (m.prefix !== undefined) return v.startsWith(norm(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(norm(m.suffix));
  if (m.contains !== undefined) return v.includes(norm(m.contains));
  const re = (m.safe_regex as Obj | undefined)?.regex;
  if (typeof re === 'string') return new RegExp(`^(?:${re})$`).test(value);
  return false;
}

/** The subject alt names of a peer certificate as 'DNS'/'URI'/'IP Address'/'email' -> values. */
function sansOf(cert: PeerCertificate): string[] {
  const text = cert.subjectaltname ?? '';
  return text.split(', ').map((s) => s.slice(s.indexOf(':') + 1)).filter((s) => s !== '');
}

function sanChecker(validation: Obj): ((host: string, cert: PeerCertificate) => Error | undefined) | undefined {
  const matchers: Obj[] = [
    ...((validation.match_subject_alt_names as Obj[] | undefined) ?? []),
    ...((validation.match_typed_subject_alt_names as Obj[] | undefined) ?? []).map((t) => (t.matcher as Obj | undefined) ?? {}),
  ];
  if (matchers.length === 0) return () => undefined; // Envoy checks no host name unless told to
  return (_host, cert) => {
    const sans = sansOf(cert);
    if (matchers.some((m) => sans.some((s) => stringMatches(m, s)))) return undefined;
    return new Error(`control plane certificate SANs [${sans.join(', ')}] match none of the configured matchers`);
  };
}

export interface TlsChannel {
  readonly credentials: ChannelCredentials;
  /** SNI (and the :authority TLS is checked against), when the context names one. */
  readonly sni?: string;
}

/** UpstreamTlsContext (canonical) -> credentials; throws TlsConfigError naming the field. */
export function tlsChannel(ctx: Obj, path: string): TlsChannel {
  const common = (ctx.common_tls_context as Obj | undefined) ?? {};
  const cpath = `${path}.common_tls_context`;
  if ((common.tls_certificate_sds_secret_configs as unknown[] | undefined)?.length) {
    throw new TlsConfigError(`${cpath}.tls_certificate_sds_secret_configs: SDS certificates for the control-plane connection are not supported yet; give them inline or as files`);
  }
  const combined = common.combined_validation_context as Obj | undefined;
  if (common.validation_context_sds_secret_config || combined?.validation_context_sds_secret_config) {
    throw new TlsConfigError(`${cpath}: an SDS validation context for the control-plane connection is not supported yet; give trusted_ca inline or as a file`);
  }
  const validation = (common.validation_context as Obj | undefined) ?? (combined?.default_validation_context as Obj | undefined) ?? {};
  const certs = (common.tls_certificates as Obj[] | undefined) ?? [];
  const cert = certs[0];
  const chain = readDataSource(cert?.certificate_chain as Obj | undefined, `${cpath}.tls_certificates[0].certificate_chain`);
  const key = readDataSource(cert?.private_key as Obj | undefined, `${cpath}.tls_certificates[0].private_key`);
  if ((chain === undefined) !== (key === undefined)) {
    throw new TlsConfigError(`${cpath}.tls_certificates[0]: needs both certificate_chain and private_key`);
  }
  const ca = readDataSource(validation.trusted_ca as Obj | undefined, `${cpath}.validation_context.trusted_ca`);
  const creds = credentials.createSsl(ca ?? null, key ?? null, chain ?? null, {
    rejectUnauthorized: ca !== undefined,
    checkServerIdentity: sanChecker(validation),
  });
  const sni = typeof ctx.sni === 'string' && ctx.sni !== '' ? ctx.sni : undefined;
  return { credentials: creds, sni };
}
