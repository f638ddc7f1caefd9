/**
 * Read-only endpoints that print server state: /ready, /server_info, /listeners, /clusters,
 * /memory, /runtime, /certs, /init_dump, /hot_restart_version, /contention.
 */
import type { AdminHandler } from './admin-handler';
import { text } from './admin-handler';
import type { AdminTarget } from './admin-target';
import { clustersJson } from './clusters-json';
import { clustersText } from './clusters-text';
import { listenersJson, listenersText } from './listeners-format';
import { prettyJson, prettyJsonString } from './pretty-json';

function json(body: object, streamed = false): { status: number; contentType: 'json'; body: string | Iterable<string> } {
  return { status: 200, contentType: 'json', body: streamed ? prettyJson(body) : prettyJsonString(body) };
}

export function infoHandlers(target: AdminTarget): AdminHandler[] {
  return [
    {
      prefix: '/certs',
      help: 'print certs on machine',
      mutatesState: false,
      params: [],
      run: () => json(target.certs()),
    },
    {
      prefix: '/clusters',
      help: 'upstream cluster status',
      mutatesState: false,
      params: [],
      run: (req) =>
        req.params.nonEmpty('format') === 'json'
          ? json(clustersJson(target.clusters()), true)
          : { status: 200, contentType: 'text', body: clustersText(target.clusters()) },
    },
    {
      prefix: '/contention',
      help: 'dump current Envoy mutex contention stats (if enabled)',
      mutatesState: false,
      params: [],
      run: () =>
        text('Mutex contention tracing is not enabled. To enable, run Envoy with flag --enable-mutex-tracing.'),
    },
    {
      prefix: '/hot_restart_version',
      help: 'print the hot restart compatibility version',
      mutatesState: false,
      params: [],
      run: () => {
        const v = (target.serverInfo() as Record<string, unknown>)['hot_restart_version'];
        return text(typeof v === 'string' && v !== '' ? v : 'disabled');
      },
    },
    {
      prefix: '/init_dump',
      help: 'dump current Envoy init manager information (experimental)',
      mutatesState: false,
      params: [
        {
          id: 'mask',
          help:
            'The desired component to dump unready targets. The mask is parsed as a ProtobufWkt::FieldMask. ' +
            'For example, get the unready targets of all listeners with /init_dump?mask=listener`',
          type: 'string',
        },
      ],
      run: (req) => json(target.initDump ? target.initDump(req.params.nonEmpty('mask')) : {}),
    },
    {
      prefix: '/listeners',
      help: 'print listener info',
      mutatesState: false,
      params: [{ id: 'format', help: 'File format to use', type: 'enum', choices: ['text', 'json'] }],
      run: (req) =>
        req.params.nonEmpty('format') === 'json'
          ? json(listenersJson(target.listeners()))
          : text(listenersText(target.listeners())),
    },
    {
      prefix: '/memory',
      help: 'print current allocation/heap usage',
      mutatesState: false,
      params: [],
      run: () => json(target.memory()),
    },
    {
      prefix: '/ready',
      help: 'print server state, return 200 if LIVE, otherwise return 503',
      mutatesState: false,
      params: [],
      run: () => {
        const state = target.state();
        return text(`${state}\n`, state === 'LIVE' ? 200 : 503);
      },
    },
    {
      prefix: '/runtime',
      help: 'print runtime values',
      mutatesState: false,
      params: [],
      run: () => json(target.runtime()),
    },
    {
      prefix: '/server_info',
      help: 'print server version/status information',
      mutatesState: false,
      params: [],
      run: () => json(target.serverInfo()),
    },
  ];
}
