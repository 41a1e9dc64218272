/**
 * The time slider: replays a campaign from its start to now. `time` follows the slider at once; `at`, which the
 * data loads follow, trails it by a short debounce, so dragging the slider sends one request per pause, not one
 * per pixel (and the loaders abort whatever is still in flight). At the end of the range `at` is undefined:
 * the map is live again.
 */
import type { Campaign } from '$contract/events';

export const DAY_MS = 86_400_000;
/** Playback: one day of the campaign per half second. */
export const PLAY_STEP_MS = DAY_MS;
export const PLAY_INTERVAL_MS = 500;
const DEBOUNCE_MS = 150;

export class ReplayState {
  campaign = $state.raw<Campaign | null>(null);
  /** ms; the slider's value. */
  time = $state(0);
  start = $state(0);
  end = $state(0);
  playing = $state(false);
  /** ISO time the data shows, or undefined = now (live). Debounced from `time`. */
  at = $state<string | undefined>(undefined);

  /** Whether the map shows the past. */
  replaying: boolean = $derived(this.at !== undefined);

  #timer: ReturnType<typeof setTimeout> | undefined;
  #player: ReturnType<typeof setInterval> | undefined;

  /** Choose the campaign whose window the slider spans; a replay in progress stays at its time if it can. */
  setCampaign(campaign: Campaign): void {
    const live = !this.replaying;
    this.pause();
    this.campaign = campaign;
    this.end = Date.now();
    this.start = Math.min(Date.parse(campaign.startsAt), this.end - DAY_MS);
    this.seek(live ? this.end : this.time, { immediate: true });
  }

  seek(ms: number, { immediate = false } = {}): void {
    this.time = Math.min(this.end, Math.max(this.start, ms));
    clearTimeout(this.#timer);
    if (immediate) this.#apply();
    else this.#timer = setTimeout(() => this.#apply(), DEBOUNCE_MS);
  }

  toStart(): void {
    this.pause();
    this.seek(this.start, { immediate: true });
  }

  /** Back to now: the map follows the live feed again. */
  toLive(): void {
    this.pause();
    this.end = Date.now();
    this.seek(this.end, { immediate: true });
  }

  #apply(): void {
    this.at = this.time >= this.end ? undefined : new Date(this.time).toISOString();
  }

  play(): void {
    if (!this.campaign || this.playing) return;
    if (this.time >= this.end) this.seek(this.start, { immediate: true });
    this.playing = true;
    this.#player = setInterval(() => {
      const next = this.time + PLAY_STEP_MS;
      this.seek(next);
      if (next >= this.end) this.pause();
    }, PLAY_INTERVAL_MS);
  }

  pause(): void {
    this.playing = false;
    clearInterval(this.#player);
  }

  destroy(): void {
    this.pause();
    clearTimeout(this.#timer);
  }
}
