// One proxied TCP connection: picks a cluster and host, connects (retrying up to
// max_connect_attempts), then pipes bytes both ways. Chunks are written as received (no copy,
// no concatenation); a full write buffer pauses the other side until 'drain' (backpressure both
// ways); a FIN is forwarded as a FIN (half-close), a reset as a reset. Socket events reach the
// session through module-level functions and a symbol on the socket: no closures per connection.
import * as net from 'node:net';
import { timerWheel, TimerTarget, WheelTimer } from '../../common/timer-wheel';
import { ResponseFlag } from '../../http/response-flags';
import { unsupportedUpstreamTransport } from '../../upstream/transport-socket-select';
import { OutlierResult, type Cluster, type Host, type LbContext } from '../../upstream/types';
import { formatSocketAddress } from '../address';
import type { ConnectionInfo } from '../types';
import type { TcpProxy } from './tcp-proxy';
import { UpstreamCxStats, upstreamCxStats } from './tcp-proxy-stats';

const SESSION = Symbol('tsenvoy.tcpSession');
type Tagged = net.Socket & { [SESSION]?: TcpSession };

const enum Timer {
  Idle,
  Connect,
  MaxDuration,
}

function session(s: net.Socket): TcpSession | undefined {
  return (s as Tagged)[SESSION];
}

// Downstream events.
function onDownData(this: net.Socket, chunk: Buffer): void {
  session(this)?.downData(chunk);
}
function onDownEnd(this: net.Socket): void {
  session(this)?.upstream?.end();
}
function onDownDrain(this: net.Socket): void {
  const s = session(this);
  if (s?.upstream?.isPaused()) s.upstream.resume();
}
function onDownClose(this: net.Socket, hadError: boolean): void {
  session(this)?.downClosed(hadError);
}
// Upstream events.
function onUpConnect(this: net.Socket): void {
  session(this)?.upConnected();
}
function onUpData(this: net.Socket, chunk: Buffer): void {
  session(this)?.upData(chunk);
}
function onUpEnd(this: net.Socket): void {
  session(this)?.downstream.end();
}
function onUpDrain(this: net.Socket): void {
  session(this)?.downDrained();
}
function onUpClose(this: net.Socket, hadError: boolean): void {
  session(this)?.upClosed(this, hadError);
}
function noop(): void {}
function destroyOnFinish(this: net.Socket): void {
  this.destroy();
}

/** Closes after pending writes are flushed (Envoy's FlushWrite); the read side goes too. */
function closeAfterFlush(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.writableFinished || s.writableLength === 0) {
    s.end();
    s.destroy();
    return;
  }
  s.once('finish', destroyOnFinish);
  s.end();
}

function pickWeighted(p: TcpProxy): string {
  const cfg = p.config;
  if (cfg.cluster !== undefined) return cfg.cluster;
  let r = Math.floor(Math.random() * cfg.totalWeight);
  for (const w of cfg.weightedClusters) {
    if (r < w.weight) return w.name;
    r -= w.weight;
  }
  return cfg.weightedClusters[cfg.weightedClusters.length - 1].name;
}

export class TcpSession implements TimerTarget {
  upstream: net.Socket | undefined = undefined;
  private cluster: Cluster | undefined = undefined;
  private clusterName: string | undefined = undefined;
  private host: Host | undefined = undefined;
  private ustats: UpstreamCxStats | undefined = undefined;
  private attempts = 0;
  private connected = false;
  private connectStart = 0;
  private upstreamLocal: string | undefined = undefined;
  private bytesReceived = 0;
  private bytesSent = 0;
  private responseFlags = 0;
  private terminationDetails: string | undefined = undefined;
  private lastActivity = 0;
  private done = false;
  private holdsConnectionSlot = false;
  private readonly idleTimer: WheelTimer;
  private readonly connectTimer: WheelTimer;
  private readonly durationTimer: WheelTimer;
  private readonly lbContext: LbContext;

  constructor(
    private readonly proxy: TcpProxy,
    readonly downstream: net.Socket,
    readonly info: ConnectionInfo,
  ) {
    this.idleTimer = new WheelTimer(this, Timer.Idle);
    this.connectTimer = new WheelTimer(this, Timer.Connect);
    this.durationTimer = new WheelTimer(this, Timer.MaxDuration);
    const local = info.localAddress;
    this.lbContext = proxy.config.hashSourceIp
      ? { originalDestination: local, hashKey: proxy.hashOf(info.remoteAddress.ip) }
      : { originalDestination: local };
  }

  start(): void {
    const d = this.downstream;
    (d as Tagged)[SESSION] = this;
    d.on('error', noop);
    d.once('close', onDownClose);
    this.proxy.stats.downstream_cx_total.inc();
    if (this.proxy.config.maxDownstreamConnectionDurationMs > 0) timerWheel.schedule(this.durationTimer, this.proxy.config.maxDownstreamConnectionDurationMs);
    this.clusterName = pickWeighted(this.proxy);
    this.cluster = this.proxy.clusterManager.get(this.clusterName);
    if (this.cluster === undefined) {
      this.proxy.stats.downstream_cx_no_route.inc();
      this.responseFlags |= ResponseFlag.NoClusterFound;
      d.destroy();
      return;
    }
    this.ustats = upstreamCxStats(this.cluster.info);
    this.connect();
  }

  private connect(): void {
    const cluster = this.cluster!;
    const stats = this.ustats!;
    this.attempts++;
    const host = cluster.chooseHost(this.lbContext);
    if (host === undefined) {
      stats.upstream_cx_none_healthy.inc();
      this.responseFlags |= ResponseFlag.NoHealthyUpstream;
      this.downstream.destroy();
      return;
    }
    if (host.address.kind !== 'socket') {
      this.responseFlags |= ResponseFlag.UpstreamConnectionFailure;
      this.downstream.destroy();
      return;
    }
    const refusal = unsupportedUpstreamTransport(cluster.info, host);
    if (refusal !== '') {
      // TLS to this host is configured and tsenvoy has none: never fall back to plaintext.
      // Counted as a connect failure (not reported to outlier detection: the host is not at
      // fault); the next attempt may pick a host that takes plaintext.
      stats.upstream_cx_total.inc();
      stats.upstream_cx_connect_fail.inc();
      host.stats.cx_total++;
      host.stats.cx_connect_fail++;
      this.retryOrFail();
      return;
    }
    const limit = cluster.info.resources.default.connections;
    if (!limit.canCreate()) {
      stats.upstream_cx_overflow.inc();
      this.responseFlags |= ResponseFlag.UpstreamOverflow;
      this.downstream.destroy();
      return;
    }
    limit.inc();
    this.holdsConnectionSlot = true;
    this.host = host;
    const src = cluster.info.sourceAddress;
    const up = net.connect({
      host: host.address.ip,
      port: host.address.port,
      family: host.address.family,
      localAddress: src?.ip,
      localPort: src && src.port ? src.port : undefined,
      allowHalfOpen: true,
      noDelay: true,
    });
    (up as Tagged)[SESSION] = this;
    this.upstream = up;
    this.connected = false;
    this.connectStart = performance.now();
    up.on('error', noop);
    up.once('connect', onUpConnect);
    up.once('close', onUpClose);
    stats.upstream_cx_total.inc();
    stats.upstream_cx_active.inc();
    host.stats.cx_total++;
    host.stats.cx_active++;
    timerWheel.schedule(this.connectTimer, cluster.info.connectTimeoutMs);
  }

  /** After a failed attempt: another one within max_connect_attempts, else UF and close. */
  private retryOrFail(): void {
    if (!this.downstream.destroyed && this.attempts < this.proxy.config.maxConnectAttempts) {
      this.connect();
      return;
    }
    this.responseFlags |= ResponseFlag.UpstreamConnectionFailure;
    this.downstream.destroy();
    this.finish();
  }

  upConnected(): void {
    const up = this.upstream!;
    timerWheel.cancel(this.connectTimer);
    this.connected = true;
    this.ustats!.upstream_cx_connect_ms.recordValue(performance.now() - this.connectStart);
    this.host!.putResult(OutlierResult.LocalOriginConnectSuccessFinal);
    this.upstreamLocal = up.localAddress ? formatSocketAddress(up.localAddress, up.localPort ?? 0) : undefined;
    const limit = this.cluster!.info.perConnectionBufferLimitBytes;
    const ws = (up as unknown as { _writableState?: { highWaterMark: number } })._writableState;
    if (ws && limit > 0) ws.highWaterMark = limit;
    const d = this.downstream;
    up.on('data', onUpData);
    up.on('end', onUpEnd);
    up.on('drain', onUpDrain);
    d.on('data', onDownData);
    d.on('end', onDownEnd);
    d.on('drain', onDownDrain);
    this.lastActivity = Date.now();
    const idle = this.proxy.config.idleTimeoutMs;
    if (idle > 0) timerWheel.schedule(this.idleTimer, idle);
  }

  downData(chunk: Buffer): void {
    const n = chunk.length;
    this.bytesReceived += n;
    this.proxy.stats.downstream_cx_rx_bytes_total.add(n);
    this.ustats!.upstream_cx_tx_bytes_total.add(n);
    this.lastActivity = Date.now();
    if (!this.upstream!.write(chunk)) {
      this.downstream.pause();
      this.proxy.stats.downstream_flow_control_paused_reading_total.inc();
    }
  }

  upData(chunk: Buffer): void {
    const n = chunk.length;
    this.bytesSent += n;
    this.proxy.stats.downstream_cx_tx_bytes_total.add(n);
    this.ustats!.upstream_cx_rx_bytes_total.add(n);
    this.lastActivity = Date.now();
    if (!this.downstream.write(chunk)) this.upstream!.pause();
  }

  /** The upstream drained its write buffer: read from downstream again. */
  downDrained(): void {
    if (this.downstream.isPaused()) {
      this.downstream.resume();
      this.proxy.stats.downstream_flow_control_resumed_reading_total.inc();
    }
  }

  downClosed(hadError: boolean): void {
    const up = this.upstream;
    if (up !== undefined && !up.destroyed) {
      if (!this.connected) up.destroy();
      else if (hadError) up.resetAndDestroy();
      else {
        if (up.writableLength > 0) {
          this.proxy.stats.upstream_flush_total.inc();
        }
        closeAfterFlush(up);
      }
    }
    if (up === undefined || up.destroyed) this.finish();
  }

  upClosed(up: net.Socket, hadError: boolean): void {
    if (up !== this.upstream) return;
    const stats = this.ustats!;
    const host = this.host!;
    stats.upstream_cx_active.dec();
    stats.upstream_cx_destroy.inc();
    host.stats.cx_active--;
    if (this.holdsConnectionSlot) {
      this.holdsConnectionSlot = false;
      this.cluster!.info.resources.default.connections.dec();
    }
    if (!this.connected) {
      timerWheel.cancel(this.connectTimer);
      if (this.downstream.destroyed) {
        // The downstream went away while connecting: not an upstream failure.
        this.upstream = undefined;
        this.finish();
        return;
      }
      // Connect failure (refused, unreachable, timed out).
      stats.upstream_cx_connect_fail.inc();
      host.stats.cx_connect_fail++;
      host.putResult(OutlierResult.LocalOriginConnectFailed);
      this.upstream = undefined;
      this.retryOrFail();
      return;
    }
    stats.upstream_cx_length_ms.recordValue(performance.now() - this.connectStart);
    const d = this.downstream;
    if (!d.destroyed) {
      stats.upstream_cx_destroy_remote.inc();
      if (hadError) d.resetAndDestroy();
      else closeAfterFlush(d);
    } else stats.upstream_cx_destroy_local.inc();
    if (d.destroyed) this.finish();
  }

  onTimer(kind: number): void {
    if (this.done) return;
    if (kind === Timer.Connect) {
      if (!this.connected && this.upstream) {
        this.ustats!.upstream_cx_connect_timeout.inc();
        this.upstream.destroy();
      }
      return;
    }
    if (kind === Timer.Idle) {
      const idle = this.proxy.config.idleTimeoutMs;
      const elapsed = Date.now() - this.lastActivity;
      if (elapsed < idle) {
        timerWheel.schedule(this.idleTimer, idle - elapsed);
        return;
      }
      this.proxy.stats.idle_timeout.inc();
      this.terminationDetails = 'tcp_proxy_idle_timeout';
    } else {
      this.proxy.stats.max_downstream_connection_duration.inc();
      this.terminationDetails = 'max_downstream_connection_duration_reached';
    }
    this.upstream?.destroy();
    this.downstream.destroy();
  }

  /** Listener removal after the drain time: close now. */
  close(): void {
    this.upstream?.destroy();
    this.downstream.destroy();
  }

  private finish(): void {
    if (this.done) return;
    const d = this.downstream;
    const up = this.upstream;
    if (!d.destroyed || (up !== undefined && !up.destroyed)) return;
    this.done = true;
    timerWheel.cancel(this.idleTimer);
    timerWheel.cancel(this.connectTimer);
    timerWheel.cancel(this.durationTimer);
    this.proxy.sessionDone(this);
    if (this.proxy.accessLoggers.length) {
      this.proxy.log({
        info: this.info,
        responseFlags: this.responseFlags,
        bytesReceived: this.bytesReceived,
        bytesSent: this.bytesSent,
        clusterName: this.clusterName,
        host: this.host,
        upstreamLocalAddress: this.upstreamLocal,
        durationMs: Date.now() - this.info.startTime,
        terminationDetails: this.terminationDetails,
      });
    }
  }
}
