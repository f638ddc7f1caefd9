// The JSON lines between the test and an agent (agent.ts): commands on the agent's stdin, events
// (ready, one per served request, one reply per command) on its stdout.

export interface AgentConfig {
  readonly name: string;
  readonly listen: readonly { readonly host: string; readonly port: number }[];
}

export type AgentCommand =
  | { readonly id: number; readonly op: 'exchange'; readonly host: string; readonly port: number; readonly payload: string; readonly timeoutMs: number }
  | { readonly id: number; readonly op: 'http-get'; readonly host: string; readonly port: number; readonly path: string; readonly timeoutMs: number };

export interface AgentReply {
  readonly id: number;
  readonly ok: boolean;
  readonly data: string;
  readonly status?: number;
  readonly error?: string;
}

/** What a server saw of one request (the agent also sends it back as the answer). */
export interface ServedRequest {
  readonly server: string;
  readonly port: number;
  readonly local: string;
  readonly remote: string;
  readonly request: string;
}
