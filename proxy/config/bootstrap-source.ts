// Reads the bootstrap from `-c FILE` and/or `--config-yaml STRING`, as Envoy does: the file's
// extension picks the parser (.json, .yaml, .yml), and --config-yaml is merged over the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as YamlModule from 'yaml';
import { Canonical } from './canonical';
import { mergeCanonical } from './merge';
import { checkRules } from './proto-rules';
import { deepFreeze } from './canonical';
import { decodeJson } from './proto-json';
import { ConfigIssue, Result } from './result';
import { Schema } from './schema/schema';

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';

export interface BootstrapSource {
  readonly configPath?: string;
  readonly configYaml?: string;
  readonly allowUnknownFields?: boolean;
}

function fail(message: string, pathLabel = ''): Result<Canonical> {
  return { ok: false, errors: [{ path: pathLabel, message }], warnings: [] };
}

// The YAML parser is ~70 modules: loaded only when a YAML document is actually read.
let yamlModule: typeof YamlModule | undefined;
function yaml(): typeof YamlModule {
  return (yamlModule ??= require('yaml') as typeof YamlModule);
}

/** Parses JSON or YAML text into plain data; YAML 1.2 core schema, like Envoy's yaml-cpp load. */
export function parseConfigText(text: string, format: 'json' | 'yaml', label: string): { ok: true; data: unknown } | { ok: false; error: string } {
  try {
    if (format === 'json') return { ok: true, data: JSON.parse(text) };
    const doc = yaml().parseDocument(text, { uniqueKeys: true, merge: true });
    if (doc.errors.length) return { ok: false, error: `${label}: invalid YAML: ${doc.errors[0].message}` };
    return { ok: true, data: doc.toJS({ maxAliasCount: 1000 }) };
  } catch (e) {
    return { ok: false, error: `${label}: invalid ${format.toUpperCase()}: ${(e as Error).message}` };
  }
}

function formatOf(file: string): 'json' | 'yaml' | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  return undefined;
}

export function loadBootstrap(schema: Schema, src: BootstrapSource): Result<Canonical> {
  if (!src.configPath && !src.configYaml) {
    return fail('no configuration: give -c <file> or --config-yaml <yaml> (or run `npm start` for the default bootstrap)');
  }
  const opts = { allowUnknownFields: src.allowUnknownFields };
  const warnings: ConfigIssue[] = [];
  let merged: Canonical | undefined;
  if (src.configPath) {
    const fmt = formatOf(src.configPath);
    if (!fmt) {
      return fail(`unsupported config file extension '${path.extname(src.configPath)}' for ${src.configPath}: use .json, .yaml or .yml (.pb and .pb_text are not supported)`);
    }
    let text: string;
    try {
      text = fs.readFileSync(src.configPath, 'utf8');
    } catch (e) {
      return fail(`cannot read config file ${src.configPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; check the path given to -c`);
    }
    const parsed = parseConfigText(text, fmt, src.configPath);
    if (!parsed.ok) return fail(parsed.error);
    const r = decodeJson(schema, BOOTSTRAP_TYPE, parsed.data, { ...opts, skipRules: true });
    if (!r.ok) return r;
    warnings.push(...r.warnings);
    merged = r.value;
  }
  if (src.configYaml) {
    const parsed = parseConfigText(src.configYaml, 'yaml', '--config-yaml');
    if (!parsed.ok) return fail(parsed.error);
    const r = decodeJson(schema, BOOTSTRAP_TYPE, parsed.data, { ...opts, skipRules: true });
    if (!r.ok) return r;
    warnings.push(...r.warnings);
    merged = merged ? mergeCanonical(schema, BOOTSTRAP_TYPE, merged, r.value) : r.value;
  }
  // Envoy validates the merged bootstrap, so --config-yaml may be a partial document.
  const ruleErrors = checkRules(schema, BOOTSTRAP_TYPE, merged);
  if (ruleErrors.length) return { ok: false, errors: ruleErrors, warnings };
  return { ok: true, value: deepFreeze(merged!), warnings };
}
