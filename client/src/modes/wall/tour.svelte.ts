/**
 * Auto-tour (自动巡检): district overview → each child region in turn → overview …, one stop per `intervalS`,
 * interrupted by an alerting event, which the camera holds for EVENT_HOLD_MS before the tour goes on. One
 * timer at a time, cleared on stop, so a wall left touring for weeks holds no pile of timeouts.
 */
import type { Focus } from './wall.svelte';

export const EVENT_HOLD_MS = 15_000;
export const DEFAULT_TOUR_S = 30;
/** Shorter stops would leave the camera in flight most of the time. */
export const MIN_TOUR_S = 5;

export class TourState {
  enabled = $state(false);
  intervalS = $state(DEFAULT_TOUR_S);
  /** Index of the region on screen; -1 = the overview. */
  step = $state(-1);
  /** The event the camera is holding on, if any. */
  event = $state.raw<Focus | null>(null);

  #timer: ReturnType<typeof setTimeout> | null = null;

  /** `stops()` is the number of regions to visit, read at every step (it is 0 until the data is loaded). */
  constructor(private readonly stops: () => number) {}

  setEnabled(on: boolean, intervalS = this.intervalS): void {
    this.intervalS = Math.max(MIN_TOUR_S, Math.round(intervalS) || DEFAULT_TOUR_S);
    this.enabled = on;
    this.event = null;
    this.step = -1;
    if (on) this.#schedule(this.intervalS * 1000, () => this.#next());
    else this.#clear();
  }

  toggle(): void {
    this.setEnabled(!this.enabled);
  }

  /** Flies to an alerting event (tour on only: a still wall stays still), then resumes. */
  showEvent(focus: Focus): void {
    if (!this.enabled) return;
    this.event = focus;
    this.#schedule(EVENT_HOLD_MS, () => {
      this.event = null;
      this.#next();
    });
  }

  destroy(): void {
    this.#clear();
  }

  #next(): void {
    const n = this.stops();
    this.step = n === 0 || this.step + 1 >= n ? -1 : this.step + 1;
    this.#schedule(this.intervalS * 1000, () => this.#next());
  }

  #schedule(ms: number, fn: () => void): void {
    this.#clear();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      fn();
    }, ms);
  }

  #clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
