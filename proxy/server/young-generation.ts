// V8's young generation while tsenvoy starts. Loading ~200 modules, the schema and the config
// leaves a burst of long-lived objects, and V8 answers survivors by doubling the semi-spaces
// (1 -> 2 -> 4 MB each) without giving the pages back while idle: an idle proxy kept ~4 MB of
// young generation it never used again (bench cold-start, idle RSS). The launcher holds the
// growth factor at 1 before the first require; main releases it to V8's default once the server
// is LIVE, so traffic grows the young generation exactly as before. A --semi-space-growth-factor
// or semi-space size given on the command line or in NODE_OPTIONS is left alone.
import * as v8 from 'node:v8';

const V8_DEFAULT_GROWTH = 2;
let held = false;

function userSetsYoungGeneration(): boolean {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /semi[-_]space/.test(given);
}

/** Called by bin/tsenvoy.js before anything else is loaded. */
export function holdYoungGeneration(): void {
  if (held || userSetsYoungGeneration()) return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** Called once the server is LIVE (or start-up failed); a no-op unless held. */
export function releaseYoungGeneration(): void {
  if (!held) return;
  v8.setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH}`);
  held = false;
}
