// Build step: proxy/server/default-bootstrap.yaml -> generated/default-bootstrap.json.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseConfigText } from '../config/bootstrap-source';
import { packageRoot } from '../common/package-root';
import { defaultBootstrapSource } from './bootstrap-snapshot';

const src = defaultBootstrapSource();
const parsed = parseConfigText(fs.readFileSync(src, 'utf8'), 'yaml', src);
if (!parsed.ok) {
  console.error(`tsenvoy: ${parsed.error}; fix ${src}`);
  process.exit(1);
}
const out = path.join(packageRoot(), 'generated', 'default-bootstrap.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(parsed.data, null, 1));
console.log(`tsenvoy: wrote ${path.relative(process.cwd(), out)} from ${path.relative(process.cwd(), src)}`);
