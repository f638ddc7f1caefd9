// Starts the tsenvoy compiled next to this bench (for out dirs other than dist/, where
// bin/tsenvoy.js would load dist/). Loaded by path so the bench compiles while main is unfinished.
import * as path from 'node:path';

const main = path.resolve(__dirname, '..', '..', 'proxy', 'server', 'main.js');
(require(main) as { main(argv: readonly string[]): void }).main(process.argv.slice(2));
