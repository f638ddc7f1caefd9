// Envoy's response flags (StreamInfo::CoreResponseFlag) as bits, in the order %RESPONSE_FLAGS%
// prints them, joined by ','; no flag prints '-'.

export const enum ResponseFlag {
  FailedLocalHealthCheck = 1 << 0, // LH
  NoHealthyUpstream = 1 << 1, // UH
  UpstreamRequestTimeout = 1 << 2, // UT
  LocalReset = 1 << 3, // LR
  UpstreamRemoteReset = 1 << 4, // UR
  UpstreamConnectionFailure = 1 << 5, // UF
  UpstreamConnectionTermination = 1 << 6, // UC
  UpstreamOverflow = 1 << 7, // UO
  NoRouteFound = 1 << 8, // NR
  DelayInjected = 1 << 9, // DI
  FaultInjected = 1 << 10, // FI
  RateLimited = 1 << 11, // RL
  UnauthorizedExternalService = 1 << 12, // UAEX
  RateLimitServiceError = 1 << 13, // RLSE
  DownstreamConnectionTermination = 1 << 14, // DC
  UpstreamRetryLimitExceeded = 1 << 15, // URX
  StreamIdleTimeout = 1 << 16, // SI
  InvalidEnvoyRequestHeaders = 1 << 17, // IH
  DownstreamProtocolError = 1 << 18, // DPE
  UpstreamMaxStreamDurationReached = 1 << 19, // UMSDR
  ResponseFromCacheFilter = 1 << 20, // RFCF
  NoFilterConfigFound = 1 << 21, // NFCF
  DurationTimeout = 1 << 22, // DT
  UpstreamProtocolError = 1 << 23, // UPE
  NoClusterFound = 1 << 24, // NC
  OverloadManager = 1 << 25, // OM
  DnsResolutionFailed = 1 << 26, // DF
  DropOverLoad = 1 << 27, // DO
}

export const RESPONSE_FLAG_SHORT: readonly string[] = [
  'LH', 'UH', 'UT', 'LR', 'UR', 'UF', 'UC', 'UO', 'NR', 'DI', 'FI', 'RL', 'UAEX', 'RLSE', 'DC', 'URX', 'SI', 'IH', 'DPE',
  'UMSDR', 'RFCF', 'NFCF', 'DT', 'UPE', 'NC', 'OM', 'DF', 'DO',
];

export const RESPONSE_FLAG_LONG: readonly string[] = [
  'FailedLocalHealthCheck', 'NoHealthyUpstream', 'UpstreamRequestTimeout', 'LocalReset', 'UpstreamRemoteReset',
  'UpstreamConnectionFailure', 'UpstreamConnectionTermination', 'UpstreamOverflow', 'NoRouteFound', 'DelayInjected',
  'FaultInjected', 'RateLimited', 'UnauthorizedExternalService', 'RateLimitServiceError', 'DownstreamConnectionTermination',
  'UpstreamRetryLimitExceeded', 'StreamIdleTimeout', 'InvalidEnvoyRequestHeaders', 'DownstreamProtocolError',
  'UpstreamMaxStreamDurationReached', 'ResponseFromCacheFilter', 'NoFilterConfigFound', 'DurationTimeout',
  'UpstreamProtocolError', 'NoClusterFound', 'OverloadManager', 'DnsResolutionFailed', 'DropOverLoad',
];

const cache = new Map<number, string>();

export function responseFlagsString(flags: number, long = false): string {
  if (flags === 0) return '-';
  if (!long) {
    const hit = cache.get(flags);
    if (hit !== undefined) return hit;
  }
  const names = long ? RESPONSE_FLAG_LONG : RESPONSE_FLAG_SHORT;
  let s = '';
  for (let i = 0; i < names.length; i++) if (flags & (1 << i)) s = s ? `${s},${names[i]}` : names[i];
  if (!long && cache.size < 4096) cache.set(flags, s);
  return s;
}

/** Parses a flag name as used by access-log response_flag_filter; undefined if unknown. */
export function responseFlagFromShort(name: string): number | undefined {
  const i = RESPONSE_FLAG_SHORT.indexOf(name);
  return i < 0 ? undefined : 1 << i;
}
