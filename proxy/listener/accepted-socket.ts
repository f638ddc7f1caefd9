// One accepted socket on its way to a filter chain (Envoy's ActiveTcpSocket): runs the
// listener's filters in order, peeking bytes for those that need them (read, then put back with
// unshift so the chain sees every byte), bounded by listener_filters_timeout; then hands the
// socket to its listener for the use_original_dst hand-off and the filter chain match.
import type * as net from 'node:net';
import { timerWheel, TimerTarget, WheelTimer } from '../common/timer-wheel';
import { isLoopbackIp, socketAddress } from '../network/address';
import { NO_IP, ParsedIp, parseIp } from '../network/cidr-table';
import type { SocketAddress } from '../network/types';
import { AcceptedSocket, ListenerFilter, ListenerFilterStatus, MatchFacts } from './types';

const EMPTY: readonly string[] = [];
const EMPTY_BUF = Buffer.alloc(0);

export interface RunnableFilter {
  readonly filter: ListenerFilter;
  readonly disabled: ((port: number) => boolean) | undefined;
}

/** What the accepting listener does with a socket once its filters are done. */
export interface AcceptOwner {
  readonly listenerFilters: readonly RunnableFilter[];
  readonly listenerFiltersTimeoutMs: number;
  readonly continueOnListenerFiltersTimeout: boolean;
  onFiltersDone(s: PendingSocket): void;
  onFiltersFailed(s: PendingSocket, reason: 'timeout' | 'remote_close' | 'filter_close'): void;
}

/** Restored addresses carried over a use_original_dst hand-off. */
export interface CarriedAddresses {
  readonly localAddress: SocketAddress;
  readonly originalDestination: SocketAddress | undefined;
  readonly localAddressRestored: boolean;
}

function onPendingReadable(this: net.Socket): void {
  (this as SocketWithPending)[PENDING]?.onReadable();
}

function onPendingEnd(this: net.Socket): void {
  (this as SocketWithPending)[PENDING]?.onRemoteClose();
}

const PENDING = Symbol('tsenvoy.pendingSocket');
type SocketWithPending = net.Socket & { [PENDING]?: PendingSocket };

export class PendingSocket implements AcceptedSocket, MatchFacts, TimerTarget {
  readonly remoteAddress: SocketAddress;
  localAddress: SocketAddress;
  originalDestination: SocketAddress | undefined = undefined;
  localAddressRestored = false;
  transportProtocol = '';
  requestedServerName = '';
  applicationProtocols: readonly string[] = EMPTY;
  readonly startTime = Date.now();
  /** The listener's bookkeeping for this connection (counts, close handling). */
  slot: unknown = undefined;

  // MatchFacts, filled by prepareFacts() once the filters are done.
  destinationIp: ParsedIp = NO_IP;
  destinationIpText = '';
  destinationPort = 0;
  serverName = '';
  directSourceIp: ParsedIp = NO_IP;
  directSourceIpText = '';
  sourceIp: ParsedIp = NO_IP;
  sourceIpText = '';
  sourcePort = 0;
  sourceIsLocal = false;

  private peeked: Buffer = EMPTY_BUF;
  private index = 0;
  private waiting: ListenerFilter | undefined = undefined;
  private readonly timer: WheelTimer;
  private done = false;

  constructor(
    readonly socket: net.Socket,
    /** The listener whose filters run now (changes on a use_original_dst hand-off). */
    public owner: AcceptOwner,
    carried: CarriedAddresses | undefined,
  ) {
    this.remoteAddress = socketAddress(socket.remoteAddress, socket.remotePort);
    if (carried) {
      this.localAddress = carried.localAddress;
      this.originalDestination = carried.originalDestination;
      this.localAddressRestored = carried.localAddressRestored;
    } else this.localAddress = socketAddress(socket.localAddress, socket.localPort);
    this.timer = new WheelTimer(this, 0);
  }

  /** Runs the filters; returns when they are done or waiting for bytes. */
  start(): void {
    this.runFilters();
  }

  private runFilters(): void {
    const filters = this.owner.listenerFilters;
    while (this.index < filters.length) {
      const { filter, disabled } = filters[this.index];
      if (disabled !== undefined && disabled(this.localAddress.port)) {
        this.index++;
        continue;
      }
      let st = filter.onAccept(this);
      if (st === ListenerFilterStatus.NeedMoreData) {
        if (filter.maxReadBytes <= 0 || filter.onData === undefined) st = ListenerFilterStatus.Continue;
        else if (this.peeked.length > 0) st = filter.onData(this, this.peeked, this.peeked.length >= filter.maxReadBytes);
      }
      if (st === ListenerFilterStatus.NeedMoreData) {
        this.waitFor(filter);
        return;
      }
      if (st === ListenerFilterStatus.Close) {
        this.fail('filter_close');
        return;
      }
      this.index++;
    }
    this.finish();
  }

  private waitFor(filter: ListenerFilter): void {
    if (this.waiting === undefined) {
      (this.socket as SocketWithPending)[PENDING] = this;
      this.socket.on('readable', onPendingReadable);
      this.socket.on('end', onPendingEnd);
      this.socket.on('close', onPendingEnd);
      if (this.owner.listenerFiltersTimeoutMs > 0 && !this.timer.armed) timerWheel.schedule(this.timer, this.owner.listenerFiltersTimeoutMs);
    }
    this.waiting = filter;
  }

  onReadable(): void {
    const filter = this.waiting;
    if (filter === undefined || this.done) return;
    let chunk: Buffer | null;
    while ((chunk = this.socket.read() as Buffer | null) !== null) {
      this.peeked = this.peeked.length === 0 ? chunk : Buffer.concat([this.peeked, chunk]);
    }
    if (this.peeked.length === 0) return;
    const st = filter.onData!(this, this.peeked, this.peeked.length >= filter.maxReadBytes);
    if (st === ListenerFilterStatus.NeedMoreData) return;
    if (st === ListenerFilterStatus.Close) {
      this.fail('filter_close');
      return;
    }
    this.index++;
    this.runFilters();
  }

  onRemoteClose(): void {
    if (!this.done) this.fail('remote_close');
  }

  onTimer(): void {
    if (this.done) return;
    if (this.owner.continueOnListenerFiltersTimeout) this.finish();
    else this.fail('timeout');
  }

  private detach(): void {
    this.done = true;
    if (this.timer.armed) timerWheel.cancel(this.timer);
    if (this.waiting !== undefined) {
      this.socket.removeListener('readable', onPendingReadable);
      this.socket.removeListener('end', onPendingEnd);
      this.socket.removeListener('close', onPendingEnd);
      (this.socket as SocketWithPending)[PENDING] = undefined;
      this.waiting = undefined;
    }
  }

  private fail(reason: 'timeout' | 'remote_close' | 'filter_close'): void {
    this.detach();
    this.owner.onFiltersFailed(this, reason);
  }

  private finish(): void {
    const wasReading = this.waiting !== undefined;
    this.detach();
    if (this.peeked.length > 0) this.socket.unshift(this.peeked);
    this.peeked = EMPTY_BUF;
    // Removing the 'readable' listener resets the stream's flowing state on the next tick; hand
    // over after that so the chain sees a fresh, non-flowing socket.
    if (wasReading) process.nextTick(finishLater, this);
    else this.owner.onFiltersDone(this);
  }

  /** Re-targets the socket at the listener of its original destination (use_original_dst). */
  handOffTo(owner: AcceptOwner): void {
    this.owner = owner;
    this.index = 0;
    this.done = false;
    this.runFilters();
  }

  carried(): CarriedAddresses {
    return { localAddress: this.localAddress, originalDestination: this.originalDestination, localAddressRestored: this.localAddressRestored };
  }

  prepareFacts(): void {
    if (this.transportProtocol === '') this.transportProtocol = 'raw_buffer';
    const local = this.localAddress;
    const remote = this.remoteAddress;
    this.destinationIpText = local.ip;
    this.destinationIp = parseIp(local.ip);
    this.destinationPort = local.port;
    this.serverName = this.requestedServerName;
    this.sourceIpText = remote.ip;
    this.sourceIp = parseIp(remote.ip);
    this.sourcePort = remote.port;
    this.directSourceIpText = remote.ip;
    this.directSourceIp = this.sourceIp;
    this.sourceIsLocal = isLoopbackIp(remote.ip) || remote.ip === local.ip;
  }
}

function finishLater(s: PendingSocket): void {
  if (s.socket.destroyed) s.owner.onFiltersFailed(s, 'remote_close');
  else s.owner.onFiltersDone(s);
}
