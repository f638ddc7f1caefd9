// A path config source: a file holding a DiscoveryResponse in JSON or YAML, re-read whenever it
// changes (standalone gateways without a control plane). Envoy watches for the file being moved
// into place; fs.watch on the directory sees renames and in-place writes alike. A file that fails
// to parse or validate is rejected whole and the last good resources keep serving.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as YamlModule from 'yaml';
import { CachedResource } from './resource-batch';
import { FetchTimers } from './fetch-timers';
import { isFullStateType, RESOURCE_WRAPPER, typeLabel } from './type-urls';
import { ResourceIssue, TypeWatcher, UpdateEvent, XdsCodec, XdsLogger, XdsResource } from './types';
import { WatchSet } from './watch-set';

export interface FileSourceHost {
  watcher(typeUrl: string): TypeWatcher | undefined;
  onUpdateEvent(e: UpdateEvent): void;
  onDoesNotExist(typeUrl: string, name: string): void;
}

type Obj = Readonly<Record<string, unknown>>;

/** The name a decoded resource goes by: ClusterLoadAssignment.cluster_name, else name. */
export function resourceNameOf(value: unknown): string {
  const v = value as Obj;
  return String(v.cluster_name ?? v.name ?? '');
}

/** A file's resources are few: the decoded value is kept (its bytes are JSON, not protobuf). */
interface FileResource extends CachedResource {
  readonly value: unknown;
}

export class FileSource {
  readonly source: string;
  private readonly watches = new WatchSet();
  private readonly accepted = new Map<string, FileResource>();
  private readonly timers: FetchTimers;
  private watcherHandle: fs.FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private lastText: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  versionInfo = '';

  constructor(
    readonly typeUrl: string,
    readonly file: string,
    private readonly watchedDirectory: string | undefined,
    private readonly codec: XdsCodec,
    private readonly logger: XdsLogger,
    private readonly host: FileSourceHost,
  ) {
    this.source = `file:${file}`;
    this.timers = new FetchTimers((name) => host.onDoesNotExist(typeUrl, name));
  }

  watch(name: string, timeoutMs: number): void {
    this.watches.addWatch(name);
    if (!this.accepted.has(name)) this.timers.arm(name, timeoutMs);
    if (!this.watcherHandle) this.startWatching();
    else if (!this.accepted.has(name)) {
      // The file may already hold it: read it again for the new name.
      this.lastText = undefined;
      this.schedule(0);
    }
  }

  unwatch(name: string): boolean {
    this.watches.dropWatch(name);
    this.timers.disarm(name);
    return !this.watches.hasInterest();
  }

  resourceNames(): string[] {
    return [...this.accepted.keys()];
  }

  get(name: string): FileResource | undefined {
    return this.accepted.get(name);
  }

  close(): void {
    this.closed = true;
    this.watcherHandle?.close();
    if (this.debounce) clearTimeout(this.debounce);
    this.timers.close();
  }

  private startWatching(): void {
    const dir = this.watchedDirectory ?? path.dirname(this.file);
    const base = path.basename(this.file);
    try {
      this.watcherHandle = fs.watch(dir, { persistent: false }, (_event, f) => {
        if (this.watchedDirectory || !f || f.toString() === base) this.schedule(20);
      });
      this.watcherHandle.on('error', (e) => this.logger.warn('xds: watching %s failed: %s', dir, e.message));
    } catch (e) {
      this.logger.warn('xds: cannot watch %s: %s; %s is read once', dir, (e as Error).message, this.file);
    }
    this.schedule(0);
  }

  /** Coalesces a burst of change events (write + rename) into one read. */
  private schedule(ms: number): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.chain = this.chain.then(() => this.load()).catch((e: Error) => this.logger.error('xds: %s: %s', this.file, e.stack ?? e.message));
    }, ms);
  }

  private async load(): Promise<void> {
    if (this.closed) return;
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (e) {
      this.logger.debug('xds: cannot read %s: %s', this.file, (e as Error).message);
      return;
    }
    if (text === this.lastText) return;
    this.lastText = text;
    const t0 = performance.now();
    const parsed = this.parse(text);
    const event = (outcome: 'accepted' | 'rejected', versionInfo: string, detail?: string): void =>
      this.host.onUpdateEvent({ typeUrl: this.typeUrl, source: this.source, outcome, versionInfo, detail, durationMs: performance.now() - t0 });
    if ('error' in parsed) {
      this.logger.warn('xds: rejecting %s: %s', this.file, parsed.error);
      event('rejected', '', parsed.error);
      return;
    }
    const watcher = this.host.watcher(this.typeUrl);
    if (!watcher) return;
    const fullState = isFullStateType(this.typeUrl) || this.watches.wildcard;
    const present = new Set(parsed.items.map((i) => i.name));
    const removed = fullState ? [...this.accepted.keys()].filter((n) => !present.has(n)) : [];
    const updated = parsed.items.filter((i) => (fullState || this.watches.names.has(i.name)) && !this.accepted.get(i.name)?.bytes.equals(i.bytes));
    this.timers.disarm('*');
    for (const i of parsed.items) this.timers.disarm(i.name);
    const resources: XdsResource[] = updated.map((i) => ({ name: i.name, version: i.version, value: i.value }));
    let outcome;
    let threw = false;
    try {
      outcome = await watcher.onUpdate({ typeUrl: this.typeUrl, versionInfo: parsed.versionInfo, updated: resources, removed, source: this.source });
    } catch (e) {
      // Nothing is known to have been applied: keep the cache as it was (see GrpcMux.handle).
      threw = true;
      outcome = { rejected: [{ name: '', path: '', message: (e as Error).message }] };
    }
    const rejected = outcome && 'rejected' in outcome ? outcome.rejected : [];
    const bad = new Set(rejected.map((r) => r.name));
    if (!threw) {
      for (const n of removed) this.accepted.delete(n);
      for (const i of updated) if (!bad.has(i.name)) this.accepted.set(i.name, i);
    }
    if (rejected.length) {
      const detail = rejected.map((r) => `${r.name}: ${r.path ? `${r.path}: ` : ''}${r.message}`).join(', ');
      this.logger.warn('xds: rejecting %s from %s: %s', typeLabel(this.typeUrl), this.file, detail);
      event('rejected', parsed.versionInfo, detail);
      return;
    }
    this.versionInfo = parsed.versionInfo;
    event('accepted', parsed.versionInfo);
  }

  private parse(text: string): { versionInfo: string; items: FileResource[] } | { error: string } {
    let doc: Obj;
    try {
      const ext = path.extname(this.file).toLowerCase();
      doc = (ext === '.yaml' || ext === '.yml' ? (require('yaml') as typeof YamlModule).parse(text) : JSON.parse(text)) as Obj;
    } catch (e) {
      return { error: `invalid ${path.extname(this.file) || 'JSON'}: ${(e as Error).message}` };
    }
    if (typeof doc !== 'object' || doc === null) return { error: 'expected a DiscoveryResponse object' };
    const versionInfo = String(doc.version_info ?? doc.versionInfo ?? '');
    const issues: ResourceIssue[] = [];
    const items: FileResource[] = [];
    const seen = new Set<string>();
    const list = (doc.resources as unknown[] | undefined) ?? [];
    list.forEach((raw, i) => {
      let r = raw as Obj;
      if (r?.['@type'] === RESOURCE_WRAPPER) r = (r.resource as Obj | undefined) ?? {};
      const at = `resources[${i}]`;
      if (r?.['@type'] !== this.typeUrl) {
        issues.push({ name: at, path: '@type', message: `expected ${this.typeUrl}, got ${String(r?.['@type'])}` });
        return;
      }
      const res = this.codec.decodeResourceJson(this.typeUrl, r);
      if (!res.ok) {
        for (const e of res.errors) issues.push({ name: at, path: e.path, message: e.message });
        return;
      }
      const name = resourceNameOf(res.value);
      if (seen.has(name)) issues.push({ name, path: '', message: 'duplicate resource name' });
      seen.add(name);
      items.push({ name, version: versionInfo, bytes: Buffer.from(JSON.stringify(r)), value: res.value });
    });
    if (issues.length) return { error: issues.map((e) => `${e.name}: ${e.path ? `${e.path}: ` : ''}${e.message}`).join(', ') };
    return { versionInfo, items };
  }
}
