// Errors a user can act on. The message always ends with what to do next; the CLI prints it without a
// stack trace. Anything else that escapes is a bug and keeps its stack.

export class ActionableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionableError';
  }
}

const PRIVILEGE = /permission denied|you must be root|operation not permitted|could not fetch rule set generation id/i;

export function isPrivilegeFailure(stderr: string): boolean {
  return PRIVILEGE.test(stderr);
}

export function privilegeError(what: string): ActionableError {
  return new ActionableError(
    `${what} needs the NET_ADMIN capability (and NET_RAW for the legacy backend). ` +
      'Run tsenvoy-iptables as root (e.g. with sudo), or grant CAP_NET_ADMIN: in Kubernetes add NET_ADMIN ' +
      'and NET_RAW to the init container\'s securityContext.capabilities.add; with Docker use --cap-add=NET_ADMIN.',
  );
}
