// Envoy's default tag extractors (source/common/config/well_known_names.cc), in Envoy's order:
// regex descriptors first, then tokenized ones. Order decides label order in Prometheus output.

/** Envoy's well-known tag names. Note `cipher_suite` has no `envoy.` prefix in Envoy either. */
export const TagNames = {
  CLUSTER_NAME: 'envoy.cluster_name',
  LISTENER_ADDRESS: 'envoy.listener_address',
  HTTP_CONN_MANAGER_PREFIX: 'envoy.http_conn_manager_prefix',
  HTTP_USER_AGENT: 'envoy.http_user_agent',
  SSL_CIPHER: 'envoy.ssl_cipher',
  SSL_CIPHER_SUITE: 'cipher_suite',
  SSL_CURVE: 'envoy.ssl_curve',
  SSL_SIGALG: 'envoy.ssl_sigalg',
  SSL_VERSION: 'envoy.ssl_version',
  CLIENTSSL_PREFIX: 'envoy.clientssl_prefix',
  MONGO_PREFIX: 'envoy.mongo_prefix',
  MONGO_CMD: 'envoy.mongo_cmd',
  MONGO_COLLECTION: 'envoy.mongo_collection',
  MONGO_CALLSITE: 'envoy.mongo_callsite',
  RATELIMIT_PREFIX: 'envoy.ratelimit_prefix',
  LOCAL_HTTP_RATELIMIT_PREFIX: 'envoy.local_http_ratelimit_prefix',
  LOCAL_NETWORK_RATELIMIT_PREFIX: 'envoy.local_network_ratelimit_prefix',
  LOCAL_LISTENER_RATELIMIT_PREFIX: 'envoy.local_listener_ratelimit_prefix',
  DNS_FILTER_PREFIX: 'envoy.dns_filter_prefix',
  TCP_PREFIX: 'envoy.tcp_prefix',
  UDP_PREFIX: 'envoy.udp_prefix',
  FAULT_DOWNSTREAM_CLUSTER: 'envoy.fault_downstream_cluster',
  DYNAMO_OPERATION: 'envoy.dynamo_operation',
  DYNAMO_TABLE: 'envoy.dynamo_table',
  DYNAMO_PARTITION_ID: 'envoy.dynamo_partition_id',
  GRPC_BRIDGE_SERVICE: 'envoy.grpc_bridge_service',
  GRPC_BRIDGE_METHOD: 'envoy.grpc_bridge_method',
  VIRTUAL_HOST: 'envoy.virtual_host',
  VIRTUAL_CLUSTER: 'envoy.virtual_cluster',
  RESPONSE_CODE: 'envoy.response_code',
  RESPONSE_CODE_CLASS: 'envoy.response_code_class',
  RDS_ROUTE_CONFIG: 'envoy.rds_route_config',
  ROUTE: 'envoy.route',
  EXT_AUTHZ_PREFIX: 'envoy.ext_authz_prefix',
  WORKER_ID: 'envoy.worker_id',
  THRIFT_PREFIX: 'envoy.thrift_prefix',
  REDIS_PREFIX: 'envoy.redis_prefix',
} as const;

/** A default regex extractor (RE2 semantics: needs two groups, value = 2nd or else 1st). */
export interface RegexDescriptor {
  readonly name: string;
  readonly regex: string;
  readonly substr: string;
  readonly negativeMatch: string;
}

/** A default tokenized extractor: `.`-separated tokens, `*` one token, `**` any, `$` the value. */
export interface TokenizedDescriptor {
  readonly name: string;
  readonly pattern: string;
}

const PLACEHOLDERS: Array<[string, string]> = [
  ['<ADDRESS>', String.raw`(?:(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[a-fA-F_\d]+\])_\d+)`],
  ['<CIPHER>', String.raw`[\w-]+`],
  ['<TLS_VERSION>', String.raw`TLSv\d\.\d`],
  ['<TAG_VALUE>', String.raw`[^\.]+`],
  ['<ROUTE_CONFIG_NAME>', String.raw`[\w-\.]+`],
  ['<LISTENER_OR_CLUSTER_WITH_NAME>', String.raw`(?:listener|cluster)\..*?`],
];

function expand(regex: string): string {
  let out = regex;
  for (const [k, v] of PLACEHOLDERS) out = out.split(k).join(v);
  return out;
}

function re(name: string, regex: string, substr = '', negativeMatch = ''): RegexDescriptor {
  return { name, regex: expand(regex), substr, negativeMatch };
}

const T = TagNames;

export const DEFAULT_REGEX_DESCRIPTORS: readonly RegexDescriptor[] = [
  re(T.RESPONSE_CODE, String.raw`_rq(_(\d{3}))$`, '_rq_'),
  re(T.RESPONSE_CODE_CLASS, String.raw`_rq_((\d))xx$`, '_rq_'),
  re(
    T.DYNAMO_PARTITION_ID,
    String.raw`^http\.<TAG_VALUE>\.dynamodb\.table\.<TAG_VALUE>\.capacity\.<TAG_VALUE>(\.__partition_id=(\w{7}))$`,
    '.dynamodb.table.',
  ),
  re(
    T.DYNAMO_OPERATION,
    String.raw`^http\.<TAG_VALUE>\.dynamodb.(?:operation|table\.<TAG_VALUE>\.capacity)(\.(<TAG_VALUE>))(?:\.|$)`,
    '.dynamodb.',
  ),
  re(T.DYNAMO_TABLE, String.raw`^http\.<TAG_VALUE>\.dynamodb.(?:table|error)\.((<TAG_VALUE>)\.)`, '.dynamodb.'),
  re(T.SSL_CIPHER, String.raw`^listener\..*?\.ssl\.ciphers(\.(<CIPHER>))$`, '.ssl.ciphers.'),
  re(T.SSL_CURVE, String.raw`^<LISTENER_OR_CLUSTER_WITH_NAME>\.ssl\.curves(\.(<CIPHER>))$`, '.ssl.curves.'),
  re(T.SSL_SIGALG, String.raw`^<LISTENER_OR_CLUSTER_WITH_NAME>\.ssl\.sigalgs(\.(<CIPHER>))$`, '.ssl.sigalgs.'),
  re(T.SSL_VERSION, String.raw`^<LISTENER_OR_CLUSTER_WITH_NAME>\.ssl\.versions(\.(<TLS_VERSION>))$`, '.ssl.versions.'),
  re(T.SSL_CIPHER_SUITE, String.raw`^cluster\.<TAG_VALUE>\.ssl\.ciphers(\.(<CIPHER>))$`, '.ssl.ciphers.'),
  re(T.HTTP_CONN_MANAGER_PREFIX, String.raw`^listener\..*?\.http\.((<TAG_VALUE>)\.)`, '.http.'),
  re(
    T.WORKER_ID,
    String.raw`^(?:listener\.(?:<ADDRESS>|<TAG_VALUE>)\.|server\.|listener_manager\.)worker_((\d+)\.)`,
  ),
  re(T.LISTENER_ADDRESS, String.raw`^listener\.((<ADDRESS>|<TAG_VALUE>)\.)`, '', 'admin'),
  re(T.RDS_ROUTE_CONFIG, String.raw`^http\.<TAG_VALUE>\.rds\.((<ROUTE_CONFIG_NAME>)\.)\w+?$`, '.rds.'),
];

export const DEFAULT_TOKENIZED_DESCRIPTORS: readonly TokenizedDescriptor[] = [
  { name: T.MONGO_CALLSITE, pattern: 'mongo.*.collection.*.callsite.$.query.**' },
  { name: T.MONGO_COLLECTION, pattern: 'mongo.*.collection.$.**.query.*' },
  { name: T.MONGO_CMD, pattern: 'mongo.*.cmd.$.**' },
  { name: T.GRPC_BRIDGE_METHOD, pattern: 'cluster.*.grpc.*.$.**' },
  { name: T.HTTP_USER_AGENT, pattern: 'http.*.user_agent.$.**' },
  { name: T.VIRTUAL_CLUSTER, pattern: 'vhost.*.vcluster.$.**' },
  { name: T.FAULT_DOWNSTREAM_CLUSTER, pattern: 'http.*.fault.$.**' },
  { name: T.GRPC_BRIDGE_SERVICE, pattern: 'cluster.*.grpc.$.**' },
  { name: T.TCP_PREFIX, pattern: 'tcp.$.**' },
  { name: T.UDP_PREFIX, pattern: 'udp.$.**' },
  { name: T.CLIENTSSL_PREFIX, pattern: 'auth.clientssl.$.**' },
  { name: T.RATELIMIT_PREFIX, pattern: 'ratelimit.$.**' },
  { name: T.CLUSTER_NAME, pattern: 'cluster.$.**' },
  { name: T.EXT_AUTHZ_PREFIX, pattern: 'cluster.*.ext_authz.$.**' },
  { name: T.EXT_AUTHZ_PREFIX, pattern: 'http.*.ext_authz.$.**' },
  { name: T.HTTP_CONN_MANAGER_PREFIX, pattern: 'http.$.**' },
  { name: T.VIRTUAL_HOST, pattern: 'vhost.$.**' },
  { name: T.MONGO_PREFIX, pattern: 'mongo.$.**' },
  { name: T.ROUTE, pattern: 'vhost.*.route.$.**' },
  { name: T.THRIFT_PREFIX, pattern: 'thrift.$.**' },
  { name: T.REDIS_PREFIX, pattern: 'redis.$.**' },
  { name: T.LOCAL_HTTP_RATELIMIT_PREFIX, pattern: '$.http_local_rate_limit.**' },
  { name: T.LOCAL_NETWORK_RATELIMIT_PREFIX, pattern: 'local_rate_limit.$.**' },
  { name: T.LOCAL_LISTENER_RATELIMIT_PREFIX, pattern: 'listener_local_ratelimit.$.**' },
  { name: T.DNS_FILTER_PREFIX, pattern: 'dns_filter.$.**' },
];
