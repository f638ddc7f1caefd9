/**
 * /config_dump: the proxy's component dumps, narrowed by `resource`, `mask`, `name_regex` and
 * extended by `include_eds`, written as Envoy's pretty JSON in pieces.
 */
import type { AdminHandler } from './admin-handler';
import { text } from './admin-handler';
import type { AdminTarget } from './admin-target';
import { queryConfigDump } from './config-dump-query';
import { prettyJson } from './pretty-json';

export function configDumpHandler(target: AdminTarget): AdminHandler {
  return {
    prefix: '/config_dump',
    help: 'dump current Envoy configs (experimental)',
    mutatesState: false,
    params: [
      { id: 'resource', help: 'The resource to dump', type: 'string' },
      {
        id: 'mask',
        help:
          'The mask to apply. When both resource and mask are specified, the mask is applied to every element ' +
          'in the desired repeated field so that only a subset of fields are returned. The mask is parsed as ' +
          'a ProtobufWkt::FieldMask',
        type: 'string',
      },
      {
        id: 'name_regex',
        help:
          'Dump only the currently loaded configurations whose names match the specified regex. Can be used ' +
          'with both resource and mask query parameters.',
        type: 'string',
      },
      {
        id: 'include_eds',
        help: 'Dump currently loaded configuration including EDS. See the response definition for more information',
        type: 'boolean',
      },
    ],
    run: (req) => {
      const params = req.params;
      let nameMatches: ((name: string) => boolean) | undefined;
      const nameRegex = params.nonEmpty('name_regex');
      if (nameRegex !== undefined) {
        const r = target.compileRe2(nameRegex);
        if (!r.ok) {
          return text(`INVALID_ARGUMENT: Error while parsing name_regex from ${nameRegex}: ${r.error}`, 400);
        }
        // RegexMatcher semantics: the whole name must match.
        const full = new RegExp(`^(?:${r.regex.source})$`, r.regex.flags.replace(/[gy]/g, ''));
        nameMatches = (name) => full.test(name);
      }
      const dumps = target.configDump({ includeEds: params.has('include_eds') });
      const answer = queryConfigDump(
        dumps,
        { resource: params.nonEmpty('resource'), mask: params.nonEmpty('mask'), nameMatches },
        (type, field) => target.protoField(type, field),
      );
      if (!answer.ok) return text(answer.message, answer.status);
      return { status: 200, contentType: 'json', body: prettyJson(answer.body) };
    },
  };
}
