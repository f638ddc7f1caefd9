// SDS as listeners and clusters see it: the secrets their TLS transport sockets name through an
// sds_config are subscribed (over ADS or the config source's own stream, as Istio's sds-grpc
// cluster), counted per user and unsubscribed with the last one. A secret is validated before it
// is accepted (secret-validate.ts) and NACKed with its field path otherwise; the last good one
// stays. Listeners and clusters warm until their secrets are here or declared missing, as Envoy's do.
//
// tsenvoy has no TLS transport socket yet: accepted secrets are kept and shown in /config_dump,
// and the chains that use them still close their connections.
import type { Canonical } from '../config/canonical';
import { allFilterChains } from '../listener/listener-config';
import { getLogger } from '../common/logger';
import type { ResourceIssue, ResourceUpdate, TypeWatcher, UpdateOutcome, XdsClient } from '../../xds-client';
import { SECRET } from '../../xds-client/type-urls';
import { CountedSubscriptions, NamedRef } from './counted-subscriptions';
import { validateSecret } from './secret-validate';
import { XdsRecords } from './xds-records';

const log = getLogger('config');

export type SdsRef = NamedRef;

const TLS_CONTEXT = /\.transport_sockets\.tls\.v3\.(Downstream|Upstream)TlsContext$/;

/** The SDS secrets a transport socket (canonical) names: certificates and validation contexts. */
export function sdsRefsOfTransportSocket(ts: Canonical | undefined, out: SdsRef[] = []): SdsRef[] {
  const tc = ts?.typed_config as Canonical | undefined;
  if (!tc || typeof tc['@type'] !== 'string' || !TLS_CONTEXT.test(tc['@type'])) return out;
  const common = tc.common_tls_context as Canonical | undefined;
  if (!common) return out;
  const combined = common.combined_validation_context as Canonical | undefined;
  const configs = [
    ...((common.tls_certificate_sds_secret_configs as Canonical[] | undefined) ?? []),
    ...(tc.session_ticket_keys_sds_secret_config ? [tc.session_ticket_keys_sds_secret_config as Canonical] : []),
    ...(common.validation_context_sds_secret_config ? [common.validation_context_sds_secret_config as Canonical] : []),
    ...(combined?.validation_context_sds_secret_config ? [combined.validation_context_sds_secret_config as Canonical] : []),
  ];
  for (const c of configs) {
    // A config without sds_config names a static secret of the bootstrap: nothing to subscribe.
    if (typeof c.name !== 'string' || c.name === '' || c.sds_config === undefined) continue;
    if (!out.some((r) => r.name === c.name)) out.push({ name: c.name, configSource: c.sds_config as Canonical });
  }
  return out;
}

/** The SDS secrets a listener's filter chains name. */
export function sdsRefsOfListener(listener: Canonical): SdsRef[] {
  const out: SdsRef[] = [];
  for (const ch of allFilterChains(listener)) sdsRefsOfTransportSocket(ch.transport_socket as Canonical | undefined, out);
  return out;
}

/** The SDS secrets a cluster's transport socket and transport_socket_matches name. */
export function sdsRefsOfCluster(c: Canonical): SdsRef[] {
  const out = sdsRefsOfTransportSocket(c.transport_socket as Canonical | undefined);
  for (const m of (c.transport_socket_matches as Canonical[] | undefined) ?? []) sdsRefsOfTransportSocket(m.transport_socket as Canonical | undefined, out);
  return out;
}

export class SecretWatchers {
  readonly records = new XdsRecords();
  private readonly refs: CountedSubscriptions;
  /** Told when a secret arrives or is given up (warming listeners and clusters may be ready now). */
  private readonly changeListeners: (() => void)[] = [];

  constructor(client: XdsClient) {
    this.refs = new CountedSubscriptions(client, SECRET, (n) => `sds[${n}].sds_config`);
    client.setWatcher(SECRET, this.watcher as TypeWatcher);
  }

  readonly watcher: TypeWatcher<Canonical> = {
    onUpdate: (u) => this.onUpdate(u),
    onResourceDoesNotExist: (name) => {
      if (!this.refs.giveUp(name)) return;
      log.warn('sds: secret %s did not arrive within its initial_fetch_timeout; listeners naming it stop waiting for it', name);
      this.changed();
    },
  };

  onChange(f: () => void): void {
    this.changeListeners.push(f);
  }

  private changed(): void {
    for (const f of [...this.changeListeners]) f();
  }

  /** Resolves once every one of `names` has arrived (or will not). */
  whenReady(names: readonly string[]): Promise<void> {
    if (this.ready(names)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!this.ready(names)) return;
        const i = this.changeListeners.indexOf(check);
        if (i >= 0) this.changeListeners.splice(i, 1);
        resolve();
      };
      this.changeListeners.push(check);
    });
  }

  ref(r: SdsRef): void {
    this.refs.ref(r);
  }

  unref(name: string): void {
    if (this.refs.unref(name)) this.records.forget(name);
  }

  /** Every one of `names` has arrived (or will not). */
  ready(names: readonly string[]): boolean {
    return names.every((n) => this.records.has(n) || this.refs.isGivenUp(n));
  }

  /** Names subscribed and not here yet (config_dump's dynamic_warming_secrets). */
  warmingNames(): string[] {
    return [...this.refs.names()].filter((n) => !this.records.has(n));
  }

  private onUpdate(u: ResourceUpdate<Canonical>): UpdateOutcome | void {
    const rejected: ResourceIssue[] = [];
    let changed = false;
    for (const r of u.updated) {
      if (!this.refs.has(r.name)) continue; // a response racing an unsubscription
      const issues = validateSecret(r.value);
      if (issues.length) {
        const mine = issues.map((i) => ({ name: r.name, path: i.path, message: i.message }));
        rejected.push(...mine);
        this.records.reject(r.name, mine.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '), u.versionInfo, undefined);
        // As Envoy's SDS on a failed update: what waits for a secret that has no good version
        // stops waiting (start-up must not hang on a bad secret); a later good one is taken.
        if (!this.records.has(r.name) && this.refs.giveUp(r.name)) changed = true;
        continue;
      }
      this.records.accept(r.name, r.value, u.versionInfo);
      this.refs.arrived(r.name);
      changed = true;
    }
    // Envoy keeps using the last secret of a withdrawn name while a listener holds it.
    if (changed) this.changed();
    return rejected.length ? { rejected } : undefined;
  }
}
