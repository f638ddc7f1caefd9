// Resource names of one xDS type held by several users (listener or cluster versions): the first
// reference subscribes through the client, the last one going unsubscribes. A name can also be
// given up (it did not arrive in time, or was rejected with no good version): whoever waits for it
// stops waiting. Used for RDS route configurations and SDS secrets alike.
import type { Canonical } from '../config/canonical';
import type { XdsClient } from '../../xds-client';

export interface NamedRef {
  readonly name: string;
  readonly configSource: Canonical | undefined;
}

export class CountedSubscriptions {
  private readonly refs = new Map<string, { count: number; configSource: Canonical | undefined }>();
  private readonly givenUp = new Set<string>();

  /** `label` names the config field in errors: `rds` -> `rds[<name>].config_source`. */
  constructor(
    private readonly client: XdsClient,
    private readonly typeUrl: string,
    private readonly label: (name: string) => string,
  ) {}

  ref(r: NamedRef): void {
    const e = this.refs.get(r.name);
    if (e) e.count++;
    else {
      this.refs.set(r.name, { count: 1, configSource: r.configSource });
      this.client.watch(this.typeUrl, r.name, r.configSource, this.label(r.name));
    }
  }

  /** Drops one reference; true when it was the last (the name is unsubscribed and forgotten). */
  unref(name: string): boolean {
    const e = this.refs.get(name);
    if (!e || --e.count > 0) return false;
    this.refs.delete(name);
    this.givenUp.delete(name);
    this.client.unwatch(this.typeUrl, name, e.configSource);
    return true;
  }

  has(name: string): boolean {
    return this.refs.has(name);
  }

  names(): IterableIterator<string> {
    return this.refs.keys();
  }

  /** Stop waiting for `name`; false when it is not held or was given up already. */
  giveUp(name: string): boolean {
    if (!this.refs.has(name) || this.givenUp.has(name)) return false;
    this.givenUp.add(name);
    return true;
  }

  /** It came after all. */
  arrived(name: string): void {
    this.givenUp.delete(name);
  }

  isGivenUp(name: string): boolean {
    return this.givenUp.has(name);
  }
}
