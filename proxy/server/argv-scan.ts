/**
 * Splits argv into flag values by the table in option-flags.ts, accepting
 * `--flag value`, `--flag=value`, `-c value` and `-c=value`. Like Envoy's
 * TCLAP parser: a value is always the next argument (even if it starts with
 * `-`), a flag may not repeat unless it is a multi flag, positional arguments
 * are errors, and `--` ends parsing. --help and --version stop at once.
 */
import { flagByName, flagByShort, type FlagSpec } from './option-flags';

export type RawValue = string | true | string[];
export type ScanResult =
  | { readonly ok: true; readonly values: ReadonlyMap<string, RawValue> }
  | { readonly ok: false; readonly message: string };

const HELP_HINT = "run 'tsenvoy --help' for the list";

export function scanArgv(argv: readonly string[]): ScanResult {
  const values = new Map<string, RawValue>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--' || arg === '--ignore_rest') break;
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      shown = eq < 0 ? arg : arg.slice(0, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      spec = flagByName(shown.slice(2));
    } else if (arg.startsWith('-') && arg.length > 1) {
      shown = arg.slice(0, 2);
      if (arg.length > 2 && arg[2] !== '=') return { ok: false, message: `unknown flag ${arg}; ${HELP_HINT}` };
      inline = arg.length > 2 ? arg.slice(3) : undefined;
      spec = flagByShort(arg[1]);
    } else {
      return { ok: false, message: `unexpected argument '${arg}': flags start with - or --; ${HELP_HINT}` };
    }
    if (spec === undefined) return { ok: false, message: `unknown flag ${shown}; ${HELP_HINT}` };
    const flag = `--${spec.name}`;
    if (spec.kind === 'switch') {
      if (inline !== undefined) return { ok: false, message: `flag ${flag} takes no value (remove '=${inline}')` };
      if (values.has(spec.name)) return { ok: false, message: `flag ${flag} is given more than once; give it once` };
      values.set(spec.name, true);
      if (spec.name === 'help' || spec.name === 'version') break;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) return { ok: false, message: `flag ${flag} needs a value; ${HELP_HINT}` };
      value = argv[++i];
    }
    const prior = values.get(spec.name);
    if (spec.kind === 'multi') {
      values.set(spec.name, [...((prior as string[] | undefined) ?? []), value]);
    } else if (prior !== undefined) {
      return { ok: false, message: `flag ${flag} is given more than once; give it once` };
    } else {
      values.set(spec.name, value);
    }
  }
  return { ok: true, values };
}
