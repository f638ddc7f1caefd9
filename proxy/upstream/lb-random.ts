// RANDOM: a uniform pick over the host list (Envoy ignores weights here too).
import type { HostImpl } from './host';
import { randomInt } from './lb-types';
import { HostSource, SourceLb } from './lb-source';

export class RandomLb extends SourceLb {
  protected pickFrom(src: HostSource): HostImpl {
    return src.hosts[randomInt(src.hosts.length)];
  }
}
