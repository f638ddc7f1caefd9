// `tsenvoy-iptables`: parse and validate (config/), probe the host only for what the flags leave open,
// then print the rules (--dry-run) or apply them (apply/). Exit 0 on success, 1 with advice otherwise.
import { ActionableError } from './errors';
import { helpText, parseArgs } from './config/parse-args';
import { validateValues } from './config/validate';
import { HostFacts, neededFacts, resolveConfig } from './config/resolve-config';
import { ENV_ONLY } from './config/flag-table';
import { detectIpv6, localAddresses, lookupUid, parseIpAddrOutput, readResolvConf } from './config/host-facts';
import { buildRuleSet } from './rules/build-rule-set';
import { renderDryRun } from './render/dry-run-text';
import { routePlan } from './apply/tproxy-routes';
import { runCapture } from './apply/run-capture';
import { resolveNetnsPath, systemRunner, findExecutable } from './apply/runner';
import { FlagValues } from './config/parse-args';

export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: CliIo = {
  env: process.env,
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

function gatherFacts(v: FlagValues, env: CliIo['env']): HostFacts {
  const need = neededFacts(v);
  let addresses: string[] = [];
  if (need.ipv6) {
    const ns = String(v['network-namespace']);
    const ip = ns ? findExecutable('ip') : undefined;
    addresses = ns && ip ? parseIpAddrOutput(systemRunner(resolveNetnsPath(ns))(ip, ['-o', 'addr', 'show']).stdout) : localAddresses();
  }
  return {
    envoyUserUid: need.uid ? lookupUid(env[ENV_ONLY.envoyUser] ?? 'istio-proxy') : undefined,
    ipv6Detected: need.ipv6 ? detectIpv6(addresses, v['dual-stack'] === true) : false,
    resolvConfServers: need.resolvConf ? readResolvConf() : [],
  };
}

/** Runs the CLI; returns the exit code (the bin launcher sets process.exitCode from it). */
export function main(argv: readonly string[], io: CliIo = PROCESS_IO): number {
  const fail = (messages: readonly string[]) => {
    for (const m of messages) io.err(`tsenvoy-iptables: error: ${m}\n`);
    return 1;
  };
  const parsed = parseArgs(argv, io.env);
  if (!parsed.ok) return fail(parsed.errors);
  if (parsed.values.help === true) {
    io.out(helpText());
    return 0;
  }
  const invalid = validateValues(parsed.values, io.env);
  if (invalid.length) return fail(invalid);
  try {
    const { capture, run } = resolveConfig(parsed.values, io.env, gatherFacts(parsed.values, io.env));
    if (capture.redirectDns && !capture.captureAllDns && capture.dnsServersV4.length + capture.dnsServersV6.length === 0) {
      io.err('tsenvoy-iptables: warning: --redirect-dns is set but no DNS servers were found and --capture-all-dns is off; DNS capture is disabled (pass --dns-servers or --capture-all-dns)\n');
    }
    if (run.dryRun) {
      io.out(renderDryRun(buildRuleSet(capture), capture.enableIpv6));
      for (const step of routePlan(capture).steps) io.err(`# would run unless present: ip ${step.add.join(' ')}\n`);
      return 0;
    }
    runCapture(capture, run, (line) => io.err(`tsenvoy-iptables: ${line}\n`));
    return 0;
  } catch (e) {
    if (e instanceof ActionableError) return fail([e.message]);
    throw e;
  }
}
