// Starts the tsenvoy compiled next to this bench (for out dirs other than dist/, where
// bin/tsenvoy.js would load dist/), the way bin/tsenvoy.js does: the bundle of that tree when it
// has an up-to-date one, else its launch.js. Loaded by path so the bench compiles on its own.
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const server = path.join(root, 'proxy', 'server');
const loader = require(path.join(server, 'bundle-loader.js')) as { runBundle(dir: string): unknown };
if (!loader.runBundle(root)) require(path.join(server, 'launch.js'));
