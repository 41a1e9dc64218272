/**
 * The leader's live link: one LiveFeed (lib/api/live.ts) subscribed to the region on screen, replaced when the
 * region changes. Changes go to the callback in seq order; the consequences that cost requests (figures, campaign
 * progress) are debounced by the caller so a burst of changes costs one refresh.
 */
import { LiveFeed, type LiveChange, type LiveStatus } from '../../../lib/api/live';

export class LeaderLiveState {
  status = $state<LiveStatus>('connecting');
  /** When the last change arrived (shown next to the live badge). */
  lastChangeAt = $state.raw<Date | null>(null);

  #feed: LiveFeed | null = null;
  #key = '';

  constructor(private readonly onChange: (change: LiveChange) => void) {}

  follow(region: string | null, token: string | null): void {
    const key = region && token ? `${region}|${token}` : '';
    if (key === this.#key) return;
    this.#key = key;
    this.#feed?.stop();
    this.#feed = null;
    if (!region || !token) return;
    const feed = new LiveFeed({
      origin: '',
      token,
      region,
      onChange: (change) => {
        if (this.#feed !== feed) return;
        this.lastChangeAt = new Date();
        this.onChange(change);
      },
      onStatus: (status) => {
        if (this.#feed === feed) this.status = status;
      },
    });
    this.#feed = feed;
    feed.start();
  }

  stop(): void {
    this.#feed?.stop();
    this.#feed = null;
    this.#key = '';
  }
}
