/**
 * The point whose detail card is open: the feature as it is now (with the statuses this user may move it to)
 * and its whole event history, loaded together. Live changes of that point reload both.
 */
import type { ChangeEvent } from '$contract/events';
import type { LayerName } from '$contract/layers';
import type { RegionRef } from '$contract/regions';
import { ApiError } from '../../../lib/api/http';
import { fetchRegion } from '../../../lib/api/regions';
import { fetchPoint, fetchPointHistory, type PointFeature } from '../../../lib/api/points';

export interface PointRef {
  layer: LayerName;
  id: string;
}

export class PointDetailState {
  target = $state.raw<PointRef | null>(null);
  feature = $state.raw<PointFeature | null>(null);
  /** Newest first: the latest change is what a reader wants to see first. */
  history = $state.raw<ChangeEvent[]>([]);
  /** The point's region and its ancestors, district first ("所属区域" as a path), when readable. */
  regionPath = $state.raw<RegionRef[]>([]);
  status = $state<'idle' | 'loading' | 'ready' | 'error'>('idle');
  error = $state.raw<ApiError | null>(null);

  #abort: AbortController | null = null;

  open(ref: PointRef): void {
    if (this.target?.layer === ref.layer && this.target.id === ref.id && this.status !== 'error') return;
    this.target = ref;
    this.feature = null;
    this.history = [];
    this.regionPath = [];
    void this.#load(ref, false);
  }

  /** Reload the open point (a live change touched it), keeping the card on screen meanwhile. */
  refresh(): void {
    if (this.target) void this.#load(this.target, true);
  }

  close(): void {
    this.#abort?.abort();
    this.target = null;
    this.feature = null;
    this.history = [];
    this.regionPath = [];
    this.status = 'idle';
    this.error = null;
  }

  async #load(ref: PointRef, quiet: boolean): Promise<void> {
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    if (!quiet) this.status = 'loading';
    this.error = null;
    try {
      const [feature, events] = await Promise.all([
        fetchPoint(ref.layer, ref.id, { signal: abort.signal }),
        fetchPointHistory(ref.layer, ref.id, { signal: abort.signal }),
      ]);
      if (abort.signal.aborted) return;
      this.feature = feature;
      this.history = [...events].reverse();
      this.status = 'ready';
      // The region's names are a nicety: a failure leaves the code on the card, nothing else.
      const code = feature.properties.regionCode;
      if (this.regionPath.at(-1)?.code !== code) {
        const region = await fetchRegion(code, { signal: abort.signal }).catch(() => null);
        if (region && !abort.signal.aborted) this.regionPath = [...(region.ancestors ?? []), region];
      }
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e));
      this.status = 'error';
    }
  }
}
