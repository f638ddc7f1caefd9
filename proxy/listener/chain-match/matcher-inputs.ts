// The network matching inputs (envoy.extensions.matching.common_inputs.network.v3.*) a
// filter_chain_matcher may read, each a function of the connection's MatchFacts. Values are
// formatted as Envoy's inputs produce them (ports as decimal strings, ALPN as `'h2','http/1.1'`).
import type { ParsedIp } from '../../network/cidr-table';
import type { MatchFacts } from '../types';

export interface MatchInput {
  readonly name: string;
  value(f: MatchFacts): string | undefined;
  /** IP inputs give the parsed address to the IPMatcher, skipping a re-parse. */
  ip?(f: MatchFacts): ParsedIp;
}

const PREFIX = 'envoy.extensions.matching.common_inputs.network.v3.';

const INPUTS: Record<string, MatchInput> = {
  DestinationIPInput: { name: 'destination_ip', value: (f) => f.destinationIpText, ip: (f) => f.destinationIp },
  DestinationPortInput: { name: 'destination_port', value: (f) => String(f.destinationPort) },
  SourceIPInput: { name: 'source_ip', value: (f) => f.sourceIpText, ip: (f) => f.sourceIp },
  SourcePortInput: { name: 'source_port', value: (f) => String(f.sourcePort) },
  DirectSourceIPInput: { name: 'direct_source_ip', value: (f) => f.directSourceIpText, ip: (f) => f.directSourceIp },
  SourceTypeInput: { name: 'source_type', value: (f) => (f.sourceIsLocal ? 'local' : undefined) },
  ServerNameInput: { name: 'server_name', value: (f) => (f.serverName === '' ? undefined : f.serverName) },
  TransportProtocolInput: { name: 'transport_protocol', value: (f) => f.transportProtocol },
  ApplicationProtocolInput: {
    name: 'application_protocol',
    value: (f) => (f.applicationProtocols.length ? `'${f.applicationProtocols.join("','")}'` : undefined),
  },
};

/** The input for a config type name (full message name), or undefined when unsupported. */
export function matchInputFor(typeName: string): MatchInput | undefined {
  return typeName.startsWith(PREFIX) ? INPUTS[typeName.slice(PREFIX.length)] : undefined;
}
