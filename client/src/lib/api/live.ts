import { io, type Socket } from 'socket.io-client';
import type { ChangeEvent, ChangeMessage, ChangesInfo, EventsPage, SubscribeAck, SubscribeRequest } from '$contract/events';

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
  /**
   * After a gap, wait a random time in [min, max] ms before catching up over HTTP (default 100–1000): the
   * missing frames may still arrive (a replay after a short drop), and a thousand walls that saw the same gap do
   * not all fetch at the same moment.
   */
  gapWaitMs?: [number, number];
  fetch?: typeof fetch;
}

const PAGE = 500;

/** A `changes` frame not delivered yet: it follows a gap (`prev` is beyond the last delivered seq). */
interface Held {
  prev: number;
  changes: LiveChange[];
}

/**
 * The live link of a client: Socket.IO for speed, the event log for completeness. It subscribes to batched
 * `changes` frames; each frame names the seq sent to this subscription before it (`prev`), so a frame whose
 * `prev` is beyond the last delivered seq shows a gap even though seqs of other regions legitimately skip. After
 * a gap the feed waits briefly (with jitter) for the missing frames, then catches up from
 * GET /api/events?since=; a subscription that acknowledges a newer seq (a reconnect) catches up at once.
 * Anything at or below the last delivered seq is dropped, so nothing is lost or seen twice.
 */
export class LiveFeed {
  lastSeq: number | undefined;
  private socket: Socket | undefined;
  private held: Held[] = [];
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
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
    this.socket.on('changes', (changes: ChangeMessage[], info: ChangesInfo) => this.receive(changes, info));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.gapTimer);
    this.socket?.disconnect();
  }

  private status(s: LiveStatus) {
    this.options.onStatus?.(s);
  }

  private async subscribe() {
    const request: SubscribeRequest = { region: this.options.region, batch: true };
    let ack: SubscribeAck;
    try {
      ack = await this.socket!.emitWithAck('subscribe', request);
    } catch {
      return; // the connection dropped before the ack: the next 'connect' subscribes again
    }
    if (!ack.ok) return this.status(ack.error === 'unauthorized' ? 'unauthorized' : 'down');
    if (this.lastSeq === undefined) this.lastSeq = ack.seq;
    if (ack.seq > this.lastSeq) await this.catchUp();
    this.status('live');
  }

  private receive(changes: LiveChange[], info: ChangesInfo | undefined) {
    if (this.lastSeq === undefined || !Array.isArray(changes) || !changes.length) return;
    // Without `prev` (not expected from this server) assume the worst: a gap unless the frame starts right after.
    this.held.push({ prev: typeof info?.prev === 'number' ? info.prev : changes[0].seq - 1, changes });
    this.flush();
    if (this.held.length) this.gapSeen();
  }

  /** Delivers held frames that follow the last delivered seq; drops those already covered. */
  private flush() {
    if (this.catchingUp) return;
    this.held.sort((a, b) => a.prev - b.prev);
    for (;;) {
      this.held = this.held.filter((h) => h.changes[h.changes.length - 1].seq > this.lastSeq!);
      const next = this.held[0];
      if (!next || next.prev > this.lastSeq!) break;
      this.held.shift();
      for (const change of next.changes) if (change.seq > this.lastSeq!) this.deliver(change);
    }
    if (!this.held.length) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  /** Catches up after a random wait, unless the gap closes meanwhile (flush clears the timer). */
  private gapSeen() {
    if (this.gapTimer || this.catchingUp || this.stopped) return;
    const [min, max] = this.options.gapWaitMs ?? [100, 1000];
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.held.length && !this.stopped) void this.catchUp();
    }, min + Math.random() * (max - min));
  }

  private deliver(change: LiveChange) {
    this.lastSeq = change.seq;
    this.options.onChange(change);
  }

  /** One catch-up at a time; a request during one makes it run once more when it ends. */
  private catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.again = true;
      return this.catchingUp;
    }
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.status('catching_up');
    this.catchingUp = (async () => {
      do {
        this.again = false;
        await this.fetchMissing();
      } while (this.again && !this.stopped);
    })()
      .catch(() => this.status('down')) // the next frame or reconnect retries
      .finally(() => {
        this.catchingUp = undefined;
        this.flush();
        // A frame missed after the log's snapshot: wait (with jitter) and fetch again.
        if (this.held.length) this.gapSeen();
        if (this.socket?.connected) this.status('live');
      });
    return this.catchingUp;
  }

  private async fetchMissing() {
    const { origin, token, region } = this.options;
    const get = this.options.fetch ?? fetch;
    const features = new Map<number, LiveChange['feature']>();
    for (;;) {
      for (const h of this.held) for (const c of h.changes) features.set(c.seq, c.feature);
      const url = `${origin}/api/events?since=${this.lastSeq}&limit=${PAGE}&region=${region}`;
      const res = await get(url, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`catch-up failed: ${res.status}`);
      const page = (await res.json()) as EventsPage;
      for (const event of page.events) {
        if (event.seq > this.lastSeq!) this.deliver({ ...event, feature: features.get(event.seq) });
      }
      if (page.events.length < PAGE) {
        // Nothing else in this region up to the server's newest seq.
        this.lastSeq = Math.max(this.lastSeq!, page.last);
        return;
      }
    }
  }
}
