// Build step: compiles Envoy's .proto files (shipped in @grpc/grpc-js-xds/deps) into one compact
// schema file, generated/envoy-schema.json. Parsing 594 protos at start-up costs ~600 ms and
// ~80 MB; the compact schema parses in ~10 ms. The protos are read from node_modules at build
// time and never copied into the repository.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { SCHEMA_FORMAT, SchemaFile, FieldTuple, FieldFlag } from './schema-format';
import { packageRoot } from '../../common/package-root';

function protoRoots(): { base: string; dirs: string[] } {
  const xdsPkg = require.resolve('@grpc/grpc-js-xds/package.json');
  const base = path.join(path.dirname(xdsPkg), 'deps');
  const pbDir = path.dirname(require.resolve('protobufjs/package.json'));
  const dirs = ['envoy-api', 'googleapis', 'protoc-gen-validate', 'xds'].map((d) => path.join(base, d));
  dirs.push(pbDir);
  return { base, dirs };
}

function listProtos(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listProtos(p));
    else if (p.endsWith('.proto')) out.push(p);
  }
  return out.sort();
}

// v2 APIs import envoy/api/v2 files that the package does not ship; they are not used by v3 config.
const V2_DIR = /[/\\]v2(alpha\d*|beta\d*)?[/\\]/;

function loadRoot(files: string[], dirs: string[]): { root: protobuf.Root; failed: string[] } {
  const root = new protobuf.Root();
  root.resolvePath = (origin: string, target: string): string => {
    if (path.isAbsolute(target) && fs.existsSync(target)) return target;
    for (const d of dirs) {
      const p = path.join(d, target);
      if (fs.existsSync(p)) return p;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  // A failed load leaves the root half-built, so stop at the first failure; the caller retries.
  for (const f of files) {
    try {
      root.loadSync(f, { keepCase: true });
    } catch {
      return { root, failed: [f] };
    }
  }
  return { root, failed: [] };
}

function validateFlags(f: protobuf.Field): number {
  const o = (f.options ?? {}) as Record<string, unknown>;
  let flags = 0;
  if (o['(validate.rules).message.required'] === true) flags |= FieldFlag.Required;
  const minLen = o['(validate.rules).string.min_len'] ?? o['(validate.rules).string.min_bytes'];
  const ignoreEmpty = o['(validate.rules).string.ignore_empty'] === true;
  if (typeof minLen === 'number' && minLen > 0 && !ignoreEmpty) flags |= FieldFlag.NonEmpty;
  const minItems = o['(validate.rules).repeated.min_items'];
  if (typeof minItems === 'number' && minItems > 0) flags |= FieldFlag.NonEmpty;
  if (o['deprecated'] === true) flags |= FieldFlag.Deprecated;
  if (o['(udpa.annotations.sensitive)'] === true) flags |= FieldFlag.Sensitive;
  return flags;
}

export function buildSchema(): { schema: SchemaFile; files: number; skipped: string[] } {
  const { base, dirs } = protoRoots();
  // Entry points: Envoy's and xDS's APIs. googleapis and validate come in through their imports.
  let files = listProtos(base).filter((p) => {
    const rel = p.slice(base.length);
    return !V2_DIR.test(rel) && (rel.startsWith('/envoy-api/') || rel.startsWith('/xds/'));
  });
  const skipped: string[] = [];
  // Some files import protos the package does not ship (opencensus, opentelemetry, prometheus
  // client). Drop them and retry on a fresh root until everything left resolves.
  for (let round = 0; round < 40; round++) {
    const { root, failed } = loadRoot(files, dirs);
    let resolveError: string | undefined;
    if (failed.length === 0) {
      try {
        root.resolveAll();
      } catch (e) {
        resolveError = String(e);
      }
    }
    if (failed.length === 0 && !resolveError) return { schema: toSchema(root), files: files.length, skipped };
    if (failed.length === 0) {
      const m = /no such type: ([\w.]+)/.exec(resolveError ?? '');
      const culprit = m ? files.filter((f) => fs.readFileSync(f, 'utf8').includes(m[1].split('.').pop()!)) : [];
      if (culprit.length === 0) throw new Error(`cannot resolve Envoy protos: ${resolveError}`);
      failed.push(...culprit);
    }
    skipped.push(...failed.map((f) => path.relative(base, f)));
    files = files.filter((f) => !failed.includes(f));
  }
  throw new Error('cannot load Envoy protos after 40 rounds; check the @grpc/grpc-js-xds version');
}

function toSchema(root: protobuf.Root): SchemaFile {
  const schema: SchemaFile = { format: SCHEMA_FORMAT, messages: {}, enums: {} };
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Type) {
        const fields: FieldTuple[] = [];
        for (const f of o.fieldsArray) {
          const type = f.resolvedType ? f.resolvedType.fullName.slice(1) : f.type;
          const kind = f.map ? `map:${(f as unknown as protobuf.MapField).keyType}` : f.repeated ? 'r' : '';
          // proto3 `optional` makes a synthetic oneof named `_field`: that is presence, not a oneof.
          const oneof = f.partOf && !f.partOf.name.startsWith('_') ? f.partOf.name : '';
          // protobufjs defines the well-known types (struct.proto...) in camelCase; restore proto names.
          const name = o.fullName.startsWith('.google.protobuf.') ? f.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : f.name;
          fields.push([name, f.id, type, kind, oneof, validateFlags(f)]);
        }
        schema.messages[o.fullName.slice(1)] = fields;
      } else if (o instanceof protobuf.Enum) {
        schema.enums[o.fullName.slice(1)] = { ...o.values };
      }
      if (o instanceof protobuf.Namespace || o instanceof protobuf.Type) visit(o);
    }
  };
  visit(root);
  return schema;
}

if (require.main === module) {
  const t0 = Date.now();
  const { schema, files, skipped } = buildSchema();
  const outDir = path.join(packageRoot(), 'generated');
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'envoy-schema.json');
  fs.writeFileSync(out, JSON.stringify(schema));
  const n = Object.keys(schema.messages).length;
  console.log(
    `tsenvoy: compiled ${files} Envoy protos (${n} messages, ${Object.keys(schema.enums).length} enums) ` +
      `into ${path.relative(process.cwd(), out)} in ${Date.now() - t0} ms` +
      (skipped.length ? `; skipped ${skipped.length} with unshipped imports` : ''),
  );
}
