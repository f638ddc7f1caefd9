// File, stdout and stderr access loggers (envoy.access_loggers.file / stdout / stderr) built from
// an AccessLog config entry: the format is compiled and the output writer chosen once here; each
// finished request costs one filter check, one formatting pass and one buffered append.
import type { Canonical } from '../../config/canonical';
import type { ConfigIssue } from '../../config/result';
import type { StreamInfo } from '../stream-info';
import { AccessLogFilter, compileAccessLogFilter } from './access-log-filter';
import { compileFormat, ENVOY_DEFAULT_FORMAT, Formatter, JsonFormatter, TextFormatter } from './formatter';
import type { AccessLogManager, LogWriter } from './log-writer';

export const FILE_ACCESS_LOG = 'envoy.extensions.access_loggers.file.v3.FileAccessLog';
export const STDOUT_ACCESS_LOG = 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog';
export const STDERR_ACCESS_LOG = 'envoy.extensions.access_loggers.stream.v3.StderrAccessLog';

export interface AccessLogger {
  log(info: StreamInfo): void;
}

class WriterLogger implements AccessLogger {
  constructor(
    private readonly writer: LogWriter,
    private readonly formatter: Formatter,
    private readonly filter: AccessLogFilter | undefined,
  ) {}
  log(info: StreamInfo): void {
    if (this.filter !== undefined && !this.filter.evaluate(info)) return;
    this.writer.write(this.formatter.format(info));
  }
}

function typeName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** SubstitutionFormatString (log_format) or the legacy format/json_format fields. */
export function compileFormatter(c: Canonical, path: string, issues: ConfigIssue[]): Formatter {
  const lf = c.log_format as Canonical | undefined;
  let text: string | undefined;
  let json: Record<string, unknown> | undefined;
  let omitEmpty = false;
  if (lf !== undefined) {
    omitEmpty = lf.omit_empty_values === true;
    if (typeof lf.text_format === 'string') text = lf.text_format;
    else if (lf.text_format_source !== undefined) {
      const src = lf.text_format_source as Canonical;
      if (typeof src.inline_string === 'string') text = src.inline_string;
      else if (Buffer.isBuffer(src.inline_bytes)) text = src.inline_bytes.toString();
      else issues.push({ path: `${path}.log_format.text_format_source`, message: 'only inline_string / inline_bytes are supported' });
    } else if (lf.json_format !== undefined) json = lf.json_format as Record<string, unknown>;
  } else if (typeof c.format === 'string' && c.format !== '') text = c.format;
  else if (c.json_format !== undefined) json = c.json_format as Record<string, unknown>;
  else if (c.typed_json_format !== undefined) json = c.typed_json_format as Record<string, unknown>;
  if (json !== undefined) {
    const r = JsonFormatter.compile(json, omitEmpty);
    if (r.ok) return r.formatter;
    issues.push({ path: `${path}.log_format.json_format`, message: r.error });
    return new TextFormatter([]);
  }
  const r = compileFormat(text ?? ENVOY_DEFAULT_FORMAT);
  if (!r.ok) {
    issues.push({ path: `${path}.log_format`, message: r.error });
    return new TextFormatter([]);
  }
  return new TextFormatter(r.parts, omitEmpty);
}

/**
 * Builds the loggers of an `access_log` list. Types without behaviour here (gRPC, OpenTelemetry)
 * are skipped; the registry has already accepted or rejected their config type.
 */
export function buildAccessLoggers(list: readonly Canonical[] | undefined, path: string, manager: AccessLogManager, issues: ConfigIssue[]): AccessLogger[] {
  const out: AccessLogger[] = [];
  (list ?? []).forEach((entry, k) => {
    const p = `${path}[${k}]`;
    const tc = entry.typed_config as Canonical | undefined;
    if (tc === undefined) return;
    const type = typeName(String(tc['@type'] ?? ''));
    let dest: string | undefined;
    if (type === FILE_ACCESS_LOG) {
      dest = tc.path as string | undefined;
      if (!dest) {
        issues.push({ path: `${p}.typed_config.path`, message: 'value length must be at least 1 characters' });
        return;
      }
    } else if (type === STDOUT_ACCESS_LOG) dest = '/dev/stdout';
    else if (type === STDERR_ACCESS_LOG) dest = '/dev/stderr';
    else return;
    const filter = entry.filter === undefined ? undefined : compileAccessLogFilter(entry.filter as Canonical, `${p}.filter`, issues);
    const formatter = compileFormatter(tc, `${p}.typed_config`, issues);
    out.push(new WriterLogger(manager.writer(dest), formatter, filter));
  });
  return out;
}
