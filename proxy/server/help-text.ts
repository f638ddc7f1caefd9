/** --help: every flag with its default, from the flag table. */
import { LOGGER_IDS } from '../common/logger-ids';
import { FLAGS } from './option-flags';

export function renderHelp(): string {
  const lines = [
    'USAGE: tsenvoy [flags]',
    '',
    'An Envoy-compatible proxy. Flags take their value as --flag value or --flag=value;',
    '-- ends the flags.',
    '',
  ];
  for (const f of FLAGS) {
    const names = (f.short ? `-${f.short}, ` : '    ') + `--${f.name}`;
    const arg = f.kind === 'switch' ? '' : f.kind === 'string' || f.kind === 'multi' ? ' <string>' : ` <${f.kind}>`;
    lines.push(`  ${names}${arg}${f.kind === 'multi' ? '  (accepted multiple times)' : ''}`);
    lines.push(`          ${f.help}`);
    lines.push(`          default: ${f.defaultText ?? (f.kind === 'switch' ? 'off' : '""')}`);
    if (f.name === 'component-log-level') lines.push(...wrap(`names: ${LOGGER_IDS.join(', ')}`, '          '));
  }
  return lines.join('\n') + '\n';
}

function wrap(text: string, indent: string, width = 100): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) out.push(indent + line);
  return out;
}
