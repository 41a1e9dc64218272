/**
 * The live link as UI state: LiveFeed (lib/api/live.ts) does the delivery — in order, gap-free, duplicate-free,
 * with HTTP catch-up — and this class turns its callbacks into `$state` a header can show (link status, when it
 * went down, the newest event) and tells its owner when the link came back, so figures fetched over HTTP can be
 * refreshed too. One instance per screen; `stop()` leaves nothing behind (no socket, no timer).
 */
import { LiveFeed, type LiveChange, type LiveStatus } from '../api/live';

export type { LiveChange, LiveStatus };

export interface LiveLinkOptions {
  /** Server origin ('' = this page's). */
  origin?: string;
  token: string;
  region: string;
  /** The seq of the data the caller loaded: changes after it are delivered, none before. */
  since: number;
  onChange(change: LiveChange): void;
  /** Time of the newest change already shown (e.g. loaded from the log), until the link delivers one. */
  lastEventAt?: Date | null;
  /** The link is live again after being down: everything missed has been delivered by now. */
  onRecovered?(): void;
}

export class LiveLink {
  status = $state<LiveStatus>('connecting');
  /** Seq of the last change delivered (or of the loaded data, before any change). */
  lastSeq = $state<number | null>(null);
  /** Server time of the last change delivered. */
  lastEventAt = $state.raw<Date | null>(null);
  /** When the link last went down; null while it is up. */
  downSince = $state.raw<Date | null>(null);
  /** How many times the link recovered after being down (for display and tests). */
  recoveries = $state(0);

  #feed: LiveFeed | null = null;

  start(options: LiveLinkOptions): void {
    this.stop();
    this.lastSeq = options.since;
    this.lastEventAt = options.lastEventAt ?? null;
    this.downSince = null;
    this.status = 'connecting';
    const feed = new LiveFeed({
      origin: options.origin ?? '',
      token: options.token,
      region: options.region,
      since: options.since,
      onChange: (change) => {
        this.lastSeq = change.seq;
        const at = new Date(change.at);
        if (!Number.isNaN(at.getTime())) this.lastEventAt = at;
        options.onChange(change);
      },
      onStatus: (status) => {
        if (this.#feed !== feed) return; // a stopped feed's late callbacks
        const wasDown = this.downSince !== null;
        if (status === 'down' || status === 'unauthorized') {
          this.downSince ??= new Date();
        } else if (status === 'live') {
          this.downSince = null;
          if (wasDown) {
            this.recoveries++;
            options.onRecovered?.();
          }
        }
        this.status = status;
      },
    });
    this.#feed = feed;
    feed.start();
  }

  stop(): void {
    this.#feed?.stop();
    this.#feed = null;
  }
}
