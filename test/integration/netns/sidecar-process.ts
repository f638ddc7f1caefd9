// tsenvoy as the pod's sidecar: started through a namespace/uid prefix (uid 1337 in `app`), with its
// bootstrap and admin address file in a directory that uid owns, and stopped by its own pid.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const RUN_TSENVOY = path.join(__dirname, '..', '..', 'support', 'run-tsenvoy.js');

export class SidecarProcess {
  private out = '';
  private readonly exited: Promise<void>;

  private constructor(readonly child: ChildProcess, readonly dir: string) {
    child.stdout!.on('data', (d) => (this.out += d));
    child.stderr!.on('data', (d) => (this.out += d));
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  static async start(prefix: readonly string[], bootstrap: object, uid: number): Promise<SidecarProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsenvoy-sidecar-'));
    fs.chownSync(dir, uid, uid);
    const cfg = path.join(dir, 'bootstrap.json');
    fs.writeFileSync(cfg, JSON.stringify(bootstrap, null, 1), { mode: 0o644 });
    const addrFile = path.join(dir, 'admin-address');
    const args = [...prefix.slice(1), process.execPath, RUN_TSENVOY, '-c', cfg, '--admin-address-path', addrFile, '-l', 'info'];
    const p = new SidecarProcess(spawn(prefix[0], args, { stdio: ['ignore', 'pipe', 'pipe'] }), dir);
    const deadline = Date.now() + 15000;
    while (!fs.existsSync(addrFile) || fs.readFileSync(addrFile, 'utf8') === '') {
      if (p.child.exitCode !== null) {
        await p.stop();
        throw new Error(`tsenvoy exited with ${p.child.exitCode} before its admin came up:\n${p.out}`);
      }
      if (Date.now() > deadline) {
        await p.stop();
        throw new Error(`tsenvoy's admin did not come up within 15 s:\n${p.out}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return p;
  }

  /** The real uid of the process (ip netns exec and setpriv exec, so the child pid is node's). */
  uid(): number {
    const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : -1;
  }

  output(): string {
    return this.out;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(t);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
