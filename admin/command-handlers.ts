/**
 * State-changing endpoints (POST only, Envoy's "mutates server state"): /logging,
 * /healthcheck/fail|ok, /drain_listeners, /quitquitquit, /reset_counters, /reopen_logs,
 * /runtime_modify.
 */
import type { AdminHandler } from './admin-handler';
import { text } from './admin-handler';
import type { AdminTarget } from './admin-target';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'];

export function commandHandlers(target: AdminTarget): AdminHandler[] {
  const handlers: AdminHandler[] = [
    {
      prefix: '/drain_listeners',
      help: 'drain listeners',
      mutatesState: true,
      params: [
        {
          id: 'graceful',
          help:
            'When draining listeners, enter a graceful drain period prior to closing listeners. ' +
            'This behaviour and duration is configurable via server options or CLI',
          type: 'boolean',
        },
        {
          id: 'skip_exit',
          help: 'When draining listeners, do not exit after the drain period. This must be used with graceful',
          type: 'boolean',
        },
        {
          id: 'inboundonly',
          help:
            'Drains all inbound listeners. traffic_direction field in ' +
            'envoy_v3_api_msg_config.listener.v3.Listener is used to determine whether a listener is ' +
            'inbound or outbound.',
          type: 'boolean',
        },
      ],
      run: (req) => {
        const graceful = req.params.has('graceful');
        const skipExit = req.params.has('skip_exit');
        if (skipExit && !graceful) return text('skip_exit requires graceful\n', 400);
        const started = target.drainListeners({ graceful, inboundOnly: req.params.has('inboundonly'), skipExit });
        // Envoy answers once the drain has started; its completion is the proxy's business.
        if (started instanceof Promise) started.catch(() => undefined);
        return text('OK\n');
      },
    },
    {
      prefix: '/healthcheck/fail',
      help: 'cause the server to fail health checks',
      mutatesState: true,
      params: [],
      run: () => {
        target.healthcheckFail();
        return text('OK\n');
      },
    },
    {
      prefix: '/healthcheck/ok',
      help: 'cause the server to pass health checks',
      mutatesState: true,
      params: [],
      run: () => {
        target.healthcheckOk();
        return text('OK\n');
      },
    },
    {
      prefix: '/logging',
      help: 'query/change logging levels',
      mutatesState: true,
      params: [
        {
          id: 'paths',
          help:
            'Change multiple logging levels by setting to ' +
            '<logger_name1>:<desired_level1>,<logger_name2>:<desired_level2>. ' +
            'If fine grain logging is enabled, use __FILE__ or a glob experision as the logger name. ' +
            'For example, source/common*:warning',
          type: 'string',
        },
        {
          id: 'level',
          help: "desired logging level, this will change all loggers's level",
          type: 'enum',
          choices: ['', ...LOG_LEVELS],
        },
      ],
      run: (req) => {
        if (req.params.size === 0) return text(target.loggingList());
        const r = target.loggingSet(req.params.entries);
        return text(r.body, r.ok ? 200 : 400);
      },
    },
    {
      prefix: '/quitquitquit',
      help: 'exit the server',
      mutatesState: true,
      params: [],
      run: () => ({ status: 200, contentType: 'text', body: 'OK\n', afterWrite: () => target.quit() }),
    },
    {
      prefix: '/reopen_logs',
      help: 'reopen access logs',
      mutatesState: true,
      params: [],
      run: () => {
        target.reopenLogs?.();
        return text('OK\n');
      },
    },
    {
      prefix: '/reset_counters',
      help: 'reset all counters to zero',
      mutatesState: true,
      params: [],
      run: () => {
        target.resetCounters();
        return text('OK\n');
      },
    },
  ];
  const runtimeModify = target.runtimeModify?.bind(target);
  if (runtimeModify) {
    handlers.push({
      prefix: '/runtime_modify',
      help:
        'Adds or modifies runtime values as passed in query parameters. To delete a previously added key, ' +
        'use an empty string as the value. Note that deletion only applies to overrides added via this ' +
        'endpoint; values loaded from disk can be modified via override but not deleted. E.g. ' +
        '?key1=value1&key2=value2...',
      mutatesState: true,
      params: [],
      run: (req) => {
        const r = runtimeModify(req.params.entries);
        return text(r.body, r.ok ? 200 : 400);
      },
    });
  }
  return handlers;
}
