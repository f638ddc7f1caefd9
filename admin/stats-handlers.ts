/**
 * /stats (text, json, prometheus) and /stats/prometheus: admin/ validates the parameters, the
 * proxy's stats module renders the body.
 */
import type { AdminHandler, AdminResponse } from './admin-handler';
import { text } from './admin-handler';
import type { AdminTarget } from './admin-target';
import type { QueryParams } from './query-params';
import { parseStatsQuery } from './stats-query';

export function statsHandlers(target: AdminTarget): AdminHandler[] {
  const compile = (p: string) => target.compileRe2(p);
  const usedonly = {
    id: 'usedonly',
    help: 'Only include stats that have been written by system since restart',
    type: 'boolean',
  } as const;
  const filter = { id: 'filter', help: 'Regular expression (Google re2) for filtering stats', type: 'string' } as const;
  return [
    {
      prefix: '/stats',
      help: 'print server stats',
      mutatesState: false,
      params: [
        usedonly,
        filter,
        { id: 'format', help: 'Format to use', type: 'enum', choices: ['html', 'active-html', 'text', 'json'] },
        {
          id: 'type',
          help: 'Stat types to include.',
          type: 'enum',
          choices: ['All', 'Counters', 'Histograms', 'Gauges', 'TextReadouts'],
        },
        {
          id: 'histogram_buckets',
          help: 'Histogram bucket display mode',
          type: 'enum',
          choices: ['cumulative', 'disjoint', 'detailed', 'none'],
        },
      ],
      run: (req) => stats(target, req.params, compile),
    },
    {
      prefix: '/stats/prometheus',
      help: 'print server stats in prometheus format',
      mutatesState: false,
      params: [
        usedonly,
        {
          id: 'text_readouts',
          help: 'Render text_readouts as new gaugues with value 0 (increases Prometheus data size)',
          type: 'boolean',
        },
        filter,
        {
          id: 'histogram_buckets',
          help: 'Histogram bucket display mode',
          type: 'enum',
          choices: ['cumulative', 'summary'],
        },
      ],
      run: (req) => {
        const p = parseStatsQuery(req.params, compile, true);
        if (!p.ok) return text(p.message, 400);
        return text(target.statsPrometheus(p.query));
      },
    },
  ];
}

function stats(target: AdminTarget, params: QueryParams, compile: AdminTarget['compileRe2']): AdminResponse {
  const p = parseStatsQuery(params, compile, false);
  if (!p.ok) return text(p.message, 400);
  switch (p.format) {
    case 'json':
      return { status: 200, contentType: 'json', body: target.statsJson(p.query) };
    case 'prometheus':
      return text(target.statsPrometheus(p.query));
    case 'html':
      return text('HTML output was disabled by building with --define=admin_html=disabled', 400);
    case 'active-html':
      return text('Active HTML output was disabled by building with --define=admin_html=disabled', 400);
    default:
      return text(target.statsText(p.query));
  }
}
