// The bench runner: `node dist/bench/run.js [cold-start] [http] [tcp] [micro] [xds-push] [http-hcm]` (all but
// http-hcm, in that order, when none is named). Each scenario starts its own peers and stops them, even on error; one
// scenario failing is reported and the next one still runs.
import { stopAll } from './lib/procs';
import { runColdStartScenario } from './scenarios/cold-start';
import { runHttpScenario } from './scenarios/http';
import { runHttpHcmScenario } from './scenarios/http-hcm';
import { runMicroScenario } from './scenarios/micro';
import { runTcpScenario } from './scenarios/tcp';
import { runXdsPushScenario } from './scenarios/xds-push';

const SCENARIOS: Readonly<Record<string, () => Promise<void>>> = {
  'cold-start': runColdStartScenario,
  http: runHttpScenario,
  'http-hcm': runHttpHcmScenario,
  tcp: runTcpScenario,
  micro: runMicroScenario,
  'xds-push': runXdsPushScenario,
};

async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((a) => !(a in SCENARIOS));
  if (unknown.length) {
    console.error(`bench: unknown scenario(s) ${unknown.join(', ')}; choose from ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }
  // http-hcm (the proxy path without the server) runs only when named.
  const picked = argv.length ? argv : Object.keys(SCENARIOS).filter((n) => n !== 'http-hcm');
  let failed = 0;
  for (const name of picked) {
    console.log(`\n######## scenario ${name}`);
    try {
      await SCENARIOS[name]();
    } catch (e) {
      failed++;
      console.error(`bench: scenario ${name} failed: ${(e as Error)?.stack ?? String(e)}`);
    } finally {
      await stopAll();
    }
  }
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
