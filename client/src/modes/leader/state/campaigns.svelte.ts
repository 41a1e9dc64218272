/**
 * The campaigns (挂图作战) and their progress in the region on screen — now, or as it stood at a replay time.
 * Progress is asked for all campaigns at once. Another region aborts the request in flight. Another replay
 * time does not: aborting on every playback tick would starve the display whenever an answer takes longer than
 * a tick. Instead one request is in flight and only the newest time waits behind it; the times in between are
 * never asked for.
 */
import type { Campaign, CampaignProgress } from '$contract/events';
import { ApiError } from '../../../lib/api/http';
import { fetchCampaignProgress, fetchCampaigns } from '../../../lib/api/points';

export class CampaignsState {
  list = $state.raw<Campaign[]>([]);
  /** campaign id → progress in the current region (at the current time). */
  progress = $state.raw<Record<string, CampaignProgress>>({});
  /** The time the progress shows (ISO), or undefined for now. */
  shownAt = $state.raw<string | undefined>(undefined);
  error = $state.raw<ApiError | null>(null);

  #list: Promise<Campaign[]> | null = null;
  #abort: AbortController | null = null;
  #inflight: { region: string; at: string | undefined } | null = null;
  #region: string | null = null;
  #at: string | undefined;

  /** Campaigns, oldest start first (the list endpoint answers newest first). */
  async loadList(): Promise<Campaign[]> {
    this.#list ??= fetchCampaigns().then(
      (list) => (this.list = [...list].sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.id.localeCompare(b.id))),
      (e) => {
        this.#list = null; // try again next time
        throw e;
      },
    );
    return this.#list;
  }

  show(region: string, at: string | undefined): void {
    if (region === this.#region && at === this.#at) return;
    const sameRegion = region === this.#region;
    this.#region = region;
    this.#at = at;
    // Same region, other time, a request out: it runs on, and its end starts the newest time (#fetch).
    if (sameRegion && this.#inflight) return;
    void this.#fetch();
  }

  /** Re-read the progress shown (after a live change). */
  refresh(): void {
    if (this.#region && this.#at === undefined) void this.#fetch();
  }

  async #fetch(): Promise<void> {
    const region = this.#region!;
    const at = this.#at;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    const request = { region, at };
    this.#inflight = request;
    try {
      const list = await this.loadList();
      const answers = await Promise.all(list.map((c) => fetchCampaignProgress(c.id, region, at, { signal: abort.signal })));
      if (abort.signal.aborted) return;
      this.progress = Object.fromEntries(answers.map((p) => [p.campaign.id, p]));
      this.shownAt = at;
      this.error = null;
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e));
    } finally {
      if (this.#inflight === request) {
        this.#inflight = null;
        // The time moved on while this was out: show the newest one now.
        if (!abort.signal.aborted && (this.#region !== region || this.#at !== at)) void this.#fetch();
      }
    }
  }

  destroy(): void {
    this.#abort?.abort();
  }
}
