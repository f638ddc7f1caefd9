// V8's young generation while tsenvoy starts. Loading ~200 modules, the schema and the config
// leaves a burst of long-lived objects, and V8 answers survivors by doubling the semi-spaces
// (1 -> 2 -> 4 MB each) without giving the pages back while idle: an idle proxy kept ~4 MB of
// young generation it never used again (bench cold-start, idle RSS). The launcher holds the
// growth factor at 1 before the first require; main releases it to V8's default once the server
// is LIVE, so traffic grows the young generation exactly as before. The same hold is taken while
// xDS responses are decoded and applied (xds-wiring.ts): a 10,000-cluster push otherwise grows the
// semi-spaces to their maximum for good (~3 KB of RSS per cluster in bench xds-push). Holds are
// counted, so start-up and a push overlap safely. A --semi-space-growth-factor or semi-space size
// given on the command line or in NODE_OPTIONS is left alone.
import * as v8 from 'node:v8';

const V8_DEFAULT_GROWTH = 2;
let holds = 0;

function userSetsYoungGeneration(): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /semi[-_]space/.test(given);
}

/** Takes a hold (start-up, or one busy xDS stream). */
export function holdYoungGeneration(): void {
  if (holds++ > 0 || userSetsYoungGeneration()) return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** Gives one hold back (a stream is idle again); the last one lets V8 grow it. */
export function releaseYoungGeneration(): void {
  if (holds === 0 || --holds > 0 || userSetsYoungGeneration()) return;
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
}

let startUpHold = false;

/** The start-up hold, taken by the launcher before the first require. */
export function holdForStartUp(): void {
  if (startUpHold) return;
  startUpHold = true;
  holdYoungGeneration();
}

/** Ends the start-up hold once the server is LIVE (or start-up failed); a no-op without one. */
export function releaseStartUpHold(): void {
  if (!startUpHold) return;
  startUpHold = false;
  releaseYoungGeneration();
}
