// The applier's entry: privileges, tools, then each family (v4, then v6 when enabled), then the policy
// routes. Everything that touches the system goes through the Runner; the decisions are in plan.ts.
import { CaptureConfig, RunOptions } from '../config/capture-config';
import { ActionableError } from '../errors';
import { buildRuleSet } from '../rules/build-rule-set';
import { Rule } from '../rules/rule';
import { FamilyTools, locateIp, locateTools } from './binaries';
import { applyFamily } from './apply-rules';
import { cleanupFamily } from './cleanup';
import { familyIo } from './family-io';
import { checkPrivileges } from './privileges';
import { Runner, resolveNetnsPath, systemRunner } from './runner';
import { routeCleanupPlan, routePlan } from './tproxy-routes';

export type Log = (line: string) => void;

export function runCapture(capture: CaptureConfig, opts: RunOptions, log: Log, runner?: Runner): void {
  if (opts.skipRuleApply) {
    log('--skip-rule-apply is set: no rules changed');
    return;
  }
  const netnsPath = opts.networkNamespace ? resolveNetnsPath(opts.networkNamespace) : undefined;
  if (!runner) checkPrivileges(netnsPath !== undefined);
  const run = runner ?? systemRunner(netnsPath);
  if (opts.cleanupOnly) return cleanup(capture, opts, run, log);

  const rules = buildRuleSet(capture);
  const v4 = familyIo(run, locateTools(opts.iptablesBinary, 'v4'));
  log(`IPv4: ${applyFamily(v4, rules.v4, opts, cleanupCandidates(capture, 'v4'))} (${rules.v4.length} rules, ${v4.tools.restore})`);
  if (capture.enableIpv6) {
    const v6 = familyIo(run, locateTools(opts.iptablesBinary, 'v6'));
    log(`IPv6: ${applyFamily(v6, rules.v6, opts, cleanupCandidates(capture, 'v6'))} (${rules.v6.length} rules, ${v6.tools.restore})`);
  }
  const { steps } = routePlan(capture);
  if (steps.length === 0) return;
  const ip = locateIp();
  for (const step of steps) {
    if (step.present.test(run(ip, step.show).stdout)) continue;
    const r = run(ip, step.add);
    if (r.code !== 0 && !/file exists/i.test(r.stderr)) {
      const next = /not up|network is down/i.test(r.stderr) ? 'bring the loopback interface up (ip link set lo up) and rerun' : 'fix the cause and rerun';
      throw new ActionableError(`ip ${step.add.join(' ')} failed: ${r.stderr.trim()}; the iptables rules are installed but TPROXY/IPv6 routing is not: ${next} (installed rules are kept as they are)`);
    }
    log(`ip ${step.add.join(' ')}`);
  }
}

/** Non-jump rules in built-in chains that this config could have installed in either interception mode. */
function cleanupCandidates(capture: CaptureConfig, family: 'v4' | 'v6'): Rule[] {
  const variants: CaptureConfig[] = [
    { ...capture, enableIpv6: true },
    { ...capture, enableIpv6: true, inboundInterceptionMode: 'TPROXY', dropInvalid: true, inboundPortsInclude: capture.inboundPortsInclude || '*' },
  ];
  return variants.flatMap((c) => buildRuleSet(c)[family]);
}

function optionalTools(binary: string): FamilyTools | undefined {
  try { return locateTools(binary, 'v6'); } catch { return undefined; }
}

function cleanup(capture: CaptureConfig, opts: RunOptions, run: Runner, log: Log): void {
  const v4 = familyIo(run, locateTools(opts.iptablesBinary, 'v4'));
  log(`IPv4: ${cleanupFamily(v4, cleanupCandidates(capture, 'v4'))}`);
  const v6Tools = optionalTools(opts.iptablesBinary);
  if (v6Tools) {
    try {
      log(`IPv6: ${cleanupFamily(familyIo(run, v6Tools), cleanupCandidates(capture, 'v6'))}`);
    } catch (e) {
      // A kernel without IPv6 netfilter has nothing to clean; anything else still matters.
      if (capture.enableIpv6) throw e;
      log(`IPv6: skipped (${(e as Error).message.split(';')[0]})`);
    }
  }
  let ip: string;
  try { ip = locateIp(); } catch { return; }
  for (const step of routeCleanupPlan(capture)) {
    for (let i = 0; i < 16 && step.present.test(run(ip, step.show).stdout); i++) {
      if (run(ip, step.del).code !== 0) break;
      log(`ip ${step.del.join(' ')}`);
    }
  }
}
