// The process entry behind bin/tsenvoy.js (and the entry of dist/tsenvoy-bundle.js): note Node's
// helper threads before anything else starts a thread (main lowers them once LIVE), hold V8's
// young generation before the start-up burst, then load and run main. main is required, not
// imported, so that loading it (and everything it imports) happens after the hold.
import { noteHelperThreads } from './helper-threads';
import { holdForStartUp } from './young-generation';

noteHelperThreads();
holdForStartUp();
// eslint-disable-next-line @typescript-eslint/no-require-imports
(require('./main') as typeof import('./main')).main(process.argv.slice(2));
