// Interception for the sidecar: an istio-iptables compatible tool that turns istio-iptables' flags into
// the ISTIO_* chains (nat, mangle, raw; IPv4 and IPv6) and installs them. It is the only direction-specific
// code besides original-destination recovery, and it imports nothing from proxy/.
//
//   config/  flags + environment -> a validated CaptureConfig (the edge; everything after trusts it)
//   rules/   CaptureConfig -> RuleSet, pure and in Istio's order, so dry-run output matches Istio's goldens
//   render/  RuleSet -> iptables-restore text, dry-run text, -C check commands (pure)
//   apply/   the only code that runs iptables-save/-restore and ip; idempotent apply, reconcile, cleanup
export { buildRuleSet } from './rules/build-rule-set';
export { renderRestore } from './render/restore-text';
export { renderDryRun } from './render/dry-run-text';
export { parseArgs } from './config/parse-args';
export { main } from './cli';
