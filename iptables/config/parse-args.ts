// argv + environment -> flag values, pflag style: --name value, --name=value, -p 15001, -p15001,
// --bool, --bool=false. Precedence as in Istio: default < NAME variable < alias variables < command line.
// Every problem is reported at once, each with what to do about it.
import { FLAGS, FlagSpec, envNameOf, findFlag } from './flag-table';

export type FlagValues = Readonly<Record<string, string | boolean>>;

export type ParseResult =
  | { readonly ok: true; readonly values: FlagValues }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Go's strconv.ParseBool, which Istio's flags use. */
export function parseBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

export function parseArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  const values: Record<string, string | boolean> = {};
  const errors: string[] = [];
  for (const f of FLAGS) values[f.name] = f.def;

  const set = (f: FlagSpec, raw: string, origin: string) => {
    if (f.kind === 'string') { values[f.name] = raw; return; }
    const v = parseBool(raw);
    if (v === undefined) errors.push(`${origin}: "${raw}" is not a boolean; use true or false`);
    else values[f.name] = v;
  };

  for (const f of FLAGS) {
    const names = [...(f.noEnv ? [] : [envNameOf(f.name)]), ...(f.aliases ?? [])];
    for (const name of names) {
      const raw = env[name];
      if (raw !== undefined) set(f, raw, `environment variable ${name} (for --${f.name})`);
    }
  }

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^(--?)([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!m || arg === '-' || arg === '--') {
      errors.push(`unexpected argument "${arg}": tsenvoy-iptables takes only flags; run with --help to list them`);
      continue;
    }
    const [, dashes, key, inline] = m;
    let name = key;
    let inlineValue = inline;
    // -p15001: a short flag glued to its value.
    if (dashes === '-' && key.length > 1 && inline === undefined) { name = key[0]; inlineValue = key.slice(1); }
    const f = dashes === '--' ? FLAGS.find((x) => x.name === name) : findFlag(name);
    if (!f || (dashes === '-' && f.short !== name)) {
      errors.push(`unknown flag "${arg}"; run with --help to list the supported flags`);
      continue;
    }
    const origin = `flag --${f.name}`;
    if (f.kind === 'bool') {
      set(f, inlineValue ?? 'true', origin);
      continue;
    }
    if (inlineValue !== undefined) { set(f, inlineValue, origin); continue; }
    if (i + 1 >= argv.length) {
      errors.push(`flag ${arg} needs a value, e.g. ${arg} ${f.def === '' ? 'VALUE' : f.def}`);
      continue;
    }
    set(f, argv[++i], origin);
  }
  return errors.length ? { ok: false, errors } : { ok: true, values };
}

export function helpText(): string {
  const lines = FLAGS.map((f) => {
    const short = f.short ? `-${f.short}, ` : '    ';
    const arg = f.kind === 'string' ? ' string' : '';
    const def = f.kind === 'string' && f.def !== '' ? ` (default "${f.def}")` : '';
    const env = f.noEnv ? '' : ` [$${envNameOf(f.name)}]`;
    return `  ${short}--${f.name}${arg}\n        ${f.help}${def}${env}${f.ext ? ' (tsenvoy extension)' : ''}`;
  });
  return [
    'Usage: tsenvoy-iptables [flags]',
    'Sets up the iptables rules that send a pod\'s traffic through the sidecar, as istio-iptables does.',
    '',
    'Flags:',
    ...lines,
    '',
    'Environment only: ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR (default 127.0.0.1/32), ISTIO_OUTBOUND_OWNER_GROUPS (default "*"),',
    'ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE, ENVOY_USER (default istio-proxy).',
    '',
  ].join('\n');
}
