// The test's handle on an agent (agent.ts) running in a namespace: start it through a command
// prefix (`ip netns exec NS setpriv ...`), wait until its servers listen, send it commands, and read
// which requests its servers saw.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import type { AgentCommand, AgentConfig, AgentReply, ServedRequest } from './agent-protocol';

export const AGENT_JS = path.join(__dirname, 'agent.js');

type WithoutId<C> = C extends unknown ? Omit<C, 'id'> : never;
type CommandBody = WithoutId<AgentCommand>;

export class AgentProcess {
  readonly served: ServedRequest[] = [];
  private readonly pending = new Map<number, (r: AgentReply) => void>();
  private nextId = 1;
  private log = '';
  private readyInfo: { resolve: (uid: number) => void; reject: (e: Error) => void } | undefined;

  private constructor(readonly name: string, readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        this.onLine(partial.slice(0, nl));
        partial = partial.slice(nl + 1);
      }
    });
    child.stderr!.on('data', (d) => (this.log += d));
    child.on('exit', (code, signal) => {
      const err = new Error(`agent ${name} exited (${code ?? signal}): ${this.log}`);
      this.readyInfo?.reject(err);
      for (const resolve of this.pending.values()) resolve({ id: 0, ok: false, error: err.message, data: '' });
      this.pending.clear();
    });
  }

  /** Starts `...prefix node agent.js CONFIG`; resolves with the agent's uid once it listens. */
  static async start(prefix: readonly string[], config: AgentConfig): Promise<{ agent: AgentProcess; uid: number }> {
    const child = spawn(prefix[0], [...prefix.slice(1), process.execPath, AGENT_JS, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new AgentProcess(config.name, child);
    const uid = await new Promise<number>((resolve, reject) => {
      agent.readyInfo = { resolve, reject };
      setTimeout(() => reject(new Error(`agent ${config.name} not ready within 10 s: ${agent.log}`)), 10000).unref();
    });
    agent.readyInfo = undefined;
    return { agent, uid };
  }

  private onLine(line: string): void {
    let ev: { event: string } & Record<string, unknown>;
    try {
      ev = JSON.parse(line);
    } catch {
      this.log += line + '\n';
      return;
    }
    if (ev.event === 'ready') this.readyInfo?.resolve(Number(ev.uid));
    else if (ev.event === 'fatal') this.readyInfo?.reject(new Error(`agent ${this.name}: ${String(ev.error)}`));
    else if (ev.event === 'served') this.served.push(ev as unknown as ServedRequest);
    else if (ev.event === 'reply') {
      const r = ev as unknown as AgentReply;
      this.pending.get(r.id)?.(r);
      this.pending.delete(r.id);
    }
  }

  send(body: CommandBody): Promise<AgentReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin!.write(JSON.stringify({ ...body, id }) + '\n');
    });
  }

  /** Raw TCP: send `payload`, read until close. */
  exchange(host: string, port: number, payload: string, timeoutMs = 3000): Promise<AgentReply> {
    return this.send({ op: 'exchange', host, port, payload, timeoutMs });
  }

  httpGet(host: string, port: number, urlPath: string, timeoutMs = 3000): Promise<AgentReply> {
    return this.send({ op: 'http-get', host, port, path: urlPath, timeoutMs });
  }

  /** Requests this agent's servers saw whose first line contains `marker`. */
  sawRequest(marker: string): ServedRequest[] {
    return this.served.filter((s) => s.request.includes(marker));
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.child.stdin!.end();
    });
  }
}
