/** The logging part of the command line, in the shape configureLogging() takes. */
import type { LoggingConfig } from '../common/logger-registry';
import type { ServerOptions } from './options';

export function loggingConfig(o: ServerOptions): LoggingConfig {
  return {
    level: o.logLevel,
    componentLevels: o.componentLogLevels,
    format: o.logFormat,
    escaped: o.logFormatEscaped,
    json: o.logJson,
    path: o.logPath,
  };
}
