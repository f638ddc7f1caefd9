/**
 * /server_info's `command_line_options`: envoy.admin.v3.CommandLineOptions as
 * Envoy prints it (proto JSON with every field, zero values included; uint64
 * as strings, enums by name, durations like "600s"), fields in proto order.
 */
import type { ServerOptions } from './options';

export interface CommandLineOptionsJson {
  readonly [field: string]: string | number | boolean | readonly string[];
}

const MODE = { serve: 'Serve', validate: 'Validate', init_only: 'InitOnly' } as const;
const DRAIN = { gradual: 'Gradual', immediate: 'Immediate' } as const;

export function commandLineOptionsJson(o: ServerOptions): CommandLineOptionsJson {
  return {
    base_id: String(o.baseId),
    use_dynamic_base_id: o.useDynamicBaseId,
    skip_hot_restart_on_no_parent: o.skipHotRestartOnNoParent,
    skip_hot_restart_parent_stats: o.skipHotRestartParentStats,
    base_id_path: o.baseIdPath,
    concurrency: o.concurrency,
    config_path: o.configPath,
    config_yaml: o.configYaml,
    allow_unknown_static_fields: o.allowUnknownStaticFields,
    reject_unknown_dynamic_fields: o.rejectUnknownDynamicFields,
    ignore_unknown_dynamic_fields: o.ignoreUnknownDynamicFields,
    skip_deprecated_logs: o.skipDeprecatedLogs,
    admin_address_path: o.adminAddressPath,
    local_address_ip_version: o.localAddressIpVersion,
    log_level: o.logLevel,
    component_log_level: o.componentLogLevel,
    log_format: o.logFormat,
    log_format_escaped: o.logFormatEscaped,
    log_path: o.logPath,
    service_cluster: o.serviceCluster,
    service_node: o.serviceNode,
    service_zone: o.serviceZone,
    file_flush_interval: durationFromMs(o.fileFlushIntervalMsec),
    drain_time: `${o.drainTimeS}s`,
    drain_strategy: DRAIN[o.drainStrategy],
    parent_shutdown_time: `${o.parentShutdownTimeS}s`,
    mode: MODE[o.mode],
    disable_hot_restart: o.disableHotRestart,
    enable_mutex_tracing: o.enableMutexTracing,
    restart_epoch: o.restartEpoch,
    cpuset_threads: o.cpusetThreads,
    disabled_extensions: [...o.disabledExtensions],
    enable_fine_grain_logging: o.enableFineGrainLogging,
    socket_path: o.socketPath,
    socket_mode: o.socketMode,
    enable_core_dump: o.enableCoreDump,
    stats_tag: o.statsTags.map((t) => `${t.name}:${t.value}`),
  };
}

/** Proto JSON Duration: whole seconds, or 3 fraction digits for milliseconds. */
function durationFromMs(ms: number): string {
  const s = Math.floor(ms / 1000);
  const frac = ms % 1000;
  return frac === 0 ? `${s}s` : `${s}.${String(frac).padStart(3, '0')}s`;
}
