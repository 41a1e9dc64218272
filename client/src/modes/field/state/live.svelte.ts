/**
 * One LiveFeed per grid of the user (a coordinator may hold several): changes by others reach the list and the
 * map in place. The feeds fill their own gaps from the event log; a catch-up event carries no feature, so the
 * page re-reads that one point.
 */
import { LiveFeed, type LiveChange, type LiveStatus } from '../../../lib/api/live';

export class FieldLiveState {
  /** The worst status over all feeds: 'live' only when every grid is live. */
  status = $state<LiveStatus>('connecting');
  #feeds: LiveFeed[] = [];
  #statuses: LiveStatus[] = [];

  constructor(private readonly onChange: (change: LiveChange) => void) {}

  follow(grids: readonly string[], token: string | null): void {
    this.stop();
    if (!token) return;
    this.#statuses = grids.map(() => 'connecting');
    this.#feeds = grids.map((region, i) => {
      const feed = new LiveFeed({
        origin: '',
        token,
        region,
        onChange: (c) => this.onChange(c),
        onStatus: (s) => {
          this.#statuses[i] = s;
          this.status = this.#worst();
        },
      });
      feed.start();
      return feed;
    });
  }

  #worst(): LiveStatus {
    const order: LiveStatus[] = ['unauthorized', 'down', 'connecting', 'catching_up', 'live'];
    for (const s of order) if (this.#statuses.includes(s)) return s;
    return 'connecting';
  }

  stop(): void {
    for (const f of this.#feeds) f.stop();
    this.#feeds = [];
  }
}
