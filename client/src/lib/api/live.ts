import { io, type Socket } from 'socket.io-client';
import type { ChangeEvent, ChangeMessage, EventsPage, SubscribeAck } from '$contract/events';

export type LiveStatus = 'connecting' | 'live' | 'catching_up' | 'down' | 'unauthorized';

/** A change as delivered: from the socket it carries the feature; from catch-up over HTTP it does not. */
export type LiveChange = ChangeEvent & { feature?: GeoJSON.Feature | null };

export interface LiveFeedOptions {
  /** Server origin, e.g. http://127.0.0.1:3000 ('' = this page's origin). */
  origin: string;
  token: string;
  region: string;
  /** Called for every change in the region's subtree exactly once, in seq order. */
  onChange(change: LiveChange): void;
  onStatus?(status: LiveStatus): void;
  /** Start after this seq (the state the caller loaded); default: the seq at the first subscription. */
  since?: number;
  fetch?: typeof fetch;
}

const PAGE = 500;

/**
 * The live link of a client: Socket.IO for speed, the event log for completeness. Socket messages are
 * delivered only in seq order; a gap (missed packet, reconnect, server restart) or a subscription that
 * acknowledges a newer seq triggers a catch-up from GET /api/events?since=, and anything at or below the last
 * delivered seq is dropped, so nothing is lost or seen twice. Events of other regions make seqs skip for
 * sub-district subscriptions; the catch-up then simply finds nothing to add.
 */
export class LiveFeed {
  lastSeq: number | undefined;
  private socket: Socket | undefined;
  private pending = new Map<number, LiveChange>();
  private catchingUp: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: LiveFeedOptions) {
    this.lastSeq = options.since;
  }

  start(): void {
    const { origin, token } = this.options;
    this.status('connecting');
    this.socket = io(origin || undefined, { auth: { token }, reconnectionDelayMax: 5000 });
    this.socket.on('connect', () => void this.subscribe());
    this.socket.on('disconnect', (reason) => {
      this.status('down');
      // Socket.IO does not reconnect after a server-side disconnect; an unattended wall must, so ask again.
      if (reason === 'io server disconnect' && !this.stopped) setTimeout(() => this.socket?.connect(), 2000);
    });
    this.socket.on('connect_error', (err) => this.status(err.message === 'unauthorized' ? 'unauthorized' : 'down'));
    this.socket.on('change', (message: ChangeMessage) => this.receive(message));
  }

  stop(): void {
    this.stopped = true;
    this.socket?.disconnect();
  }

  private status(s: LiveStatus) {
    this.options.onStatus?.(s);
  }

  private async subscribe() {
    let ack: SubscribeAck;
    try {
      ack = await this.socket!.emitWithAck('subscribe', { region: this.options.region });
    } catch {
      return; // the connection dropped before the ack: the next 'connect' subscribes again
    }
    if (!ack.ok) return this.status(ack.error === 'unauthorized' ? 'unauthorized' : 'down');
    if (this.lastSeq === undefined) this.lastSeq = ack.seq;
    if (ack.seq > this.lastSeq) await this.catchUp();
    this.status('live');
  }

  private receive(message: LiveChange) {
    if (this.lastSeq === undefined || message.seq <= this.lastSeq) return;
    this.pending.set(message.seq, message);
    this.flush();
    if (this.pending.size) void this.catchUp();
  }

  /** Delivers pending messages that follow the last delivered seq without a gap. */
  private flush() {
    for (const seq of [...this.pending.keys()].sort((a, b) => a - b)) {
      if (seq <= this.lastSeq!) this.pending.delete(seq);
      else if (seq === this.lastSeq! + 1 && !this.catchingUp) this.deliver(this.pending.get(seq)!);
      else break;
    }
  }

  private deliver(change: LiveChange) {
    this.pending.delete(change.seq);
    this.lastSeq = change.seq;
    this.options.onChange(change);
  }

  /** One catch-up at a time; a request during one makes it run once more when it ends. */
  private catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.again = true;
      return this.catchingUp;
    }
    this.status('catching_up');
    this.catchingUp = (async () => {
      do {
        this.again = false;
        await this.fetchMissing();
      } while (this.again && !this.stopped);
    })()
      .catch(() => this.status('down')) // the next message or reconnect retries
      .finally(() => {
        this.catchingUp = undefined;
        this.flush();
        if (this.socket?.connected) this.status('live');
      });
    return this.catchingUp;
  }

  private async fetchMissing() {
    const { origin, token, region } = this.options;
    const get = this.options.fetch ?? fetch;
    for (;;) {
      const url = `${origin}/api/events?since=${this.lastSeq}&limit=${PAGE}&region=${region}`;
      const res = await get(url, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`catch-up failed: ${res.status}`);
      const page = (await res.json()) as EventsPage;
      for (const event of page.events) {
        if (event.seq > this.lastSeq!) this.deliver({ ...event, feature: this.pending.get(event.seq)?.feature });
      }
      if (page.events.length < PAGE) {
        // Nothing else in this region up to the server's newest seq.
        this.lastSeq = Math.max(this.lastSeq!, page.last);
        return;
      }
    }
  }
}
