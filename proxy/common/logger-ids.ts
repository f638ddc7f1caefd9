/**
 * Envoy's component logger names, in the order of ALL_LOGGER_IDS in Envoy's
 * source/common/common/logger.h. /logging lists them in this order, and
 * --component-log-level and /logging accept only these names.
 */
export const LOGGER_IDS = [
  'admin',
  'alternate_protocols_cache',
  'aws',
  'assert',
  'backtrace',
  'basic_auth',
  'cache_filter',
  'client',
  'config',
  'connection',
  'conn_handler',
  'decompression',
  'dns',
  'dubbo',
  'envoy_bug',
  'ext_authz',
  'ext_proc',
  'rocketmq',
  'file',
  'filter',
  'forward_proxy',
  'geolocation',
  'grpc',
  'happy_eyeballs',
  'hc',
  'health_checker',
  'http',
  'http2',
  'hystrix',
  'init',
  'io',
  'jwt',
  'kafka',
  'key_value_store',
  'lua',
  'main',
  'matcher',
  'misc',
  'mongo',
  'multi_connection',
  'oauth2',
  'quic',
  'quic_stream',
  'pool',
  'rate_limit_quota',
  'rbac',
  'rds',
  'redis',
  'router',
  'runtime',
  'stats',
  'secret',
  'tap',
  'testing',
  'thrift',
  'tracing',
  'upstream',
  'udp',
  'wasm',
  'websocket',
  'golang',
] as const;

export type LoggerId = (typeof LOGGER_IDS)[number];

const ID_SET: ReadonlySet<string> = new Set(LOGGER_IDS);

export function isLoggerId(name: string): name is LoggerId {
  return ID_SET.has(name);
}
