// Starts a real tsenvoy process for a test and finds its admin port through --admin-address-path.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';

export const RUN_TSENVOY = path.join(__dirname, 'run-tsenvoy.js');
/** What bin/tsenvoy (`npx tsenvoy`) starts node on: the start-up bundle when the build made one (see bundle-loader.ts). */
export const BIN_TSENVOY = path.join(__dirname, '..', '..', '..', 'bin', 'tsenvoy.js');
/** The npm bin itself (bin/tsenvoy, a shell script that starts node on BIN_TSENVOY). */
export const BIN_TSENVOY_SH = path.join(__dirname, '..', '..', '..', 'bin', 'tsenvoy');

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly admin: string; // host:port
  output(): string;
  stop(): Promise<number | null>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Runs tsenvoy to completion (validate mode, --help...). */
export function runTsenvoy(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [RUN_TSENVOY, ...args], { encoding: 'utf8', timeout: 30000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface SpawnOptions {
  /** The child's environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** The command and its first arguments, instead of node and `entry` (e.g. taskset and BIN_TSENVOY_SH). */
  readonly command?: readonly string[];
}

export async function startProxy(bootstrap: object | string, extraArgs: string[] = [], entry = RUN_TSENVOY, spawnWith: SpawnOptions = {}): Promise<ProxyProcess> {
  const dir = tempDir('tsenvoy-proxy-');
  const cfg = path.join(dir, typeof bootstrap === 'string' ? 'bootstrap.yaml' : 'bootstrap.json');
  fs.writeFileSync(cfg, typeof bootstrap === 'string' ? bootstrap : JSON.stringify(bootstrap));
  const addrFile = path.join(dir, 'admin-address');
  const [cmd, ...pre] = spawnWith.command ?? [process.execPath, entry];
  const child = spawn(cmd, [...pre, '-c', cfg, '--admin-address-path', addrFile, '-l', 'info', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: spawnWith.env,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 15000;
  while (!fs.existsSync(addrFile) || fs.readFileSync(addrFile, 'utf8') === '') {
    if (child.exitCode !== null) throw new Error(`tsenvoy exited with ${child.exitCode} before its admin came up:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tsenvoy's admin did not come up within 15 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const admin = fs.readFileSync(addrFile, 'utf8').trim();
  return {
    child,
    admin,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Until the proxy's output matches `re` (its log reaches the pipe a little after the fact), or 5 s; the output then. */
export async function outputMatching(proxy: ProxyProcess, re: RegExp): Promise<string> {
  const deadline = Date.now() + 5000;
  while (!re.test(proxy.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return proxy.output();
}

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function httpRequest(hostPort: string, method: string, pathAndQuery: string, headers: Record<string, string> = {}, body?: string): Promise<HttpResult> {
  const [host, port] = splitHostPort(hostPort);
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: pathAndQuery, headers, agent: false }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.setTimeout(10000, () => req.destroy(new Error(`${method} ${pathAndQuery} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function splitHostPort(hp: string): [string, number] {
  const i = hp.lastIndexOf(':');
  return [hp.slice(0, i).replace(/^\[|\]$/g, ''), Number(hp.slice(i + 1))];
}
