/**
 * The region a user is looking at: its detail, roll-up stats, children (for the choropleth) and neighbours
 * (for context), loaded together and swapped in at once so the map and panel never show a mix of two regions.
 */
import type { Feature } from 'geojson';
import type { RegionDetail, RegionFeatureProps, RegionRef, RegionStats } from '$contract/regions';
import { ApiError } from '../api/http';
import { fetchChildren, fetchRegion, fetchStats, type RegionGeometry } from '../api/regions';

export type RegionFeature = Feature<RegionGeometry, RegionFeatureProps>;
export type LoadStatus = 'loading' | 'ready' | 'error';

/** Neighbour geometry is cached for a few parents: going back up or sideways should not refetch it. */
const COLLECTION_CACHE_SIZE = 8;

export class RegionState {
  code = $state<string | null>(null);
  status = $state<LoadStatus>('loading');
  error = $state.raw<ApiError | null>(null);

  detail = $state.raw<RegionDetail | null>(null);
  stats = $state.raw<RegionStats | null>(null);
  /** Children of the current region (the choropleth). Replaced, never mutated. */
  children = $state.raw<RegionFeature[]>([]);
  /** The parent's children, the current region included. Empty on the district. */
  siblings = $state.raw<RegionFeature[]>([]);
  /** District first, current region last. */
  breadcrumb = $state.raw<RegionRef[]>([]);
  loadedAt = $state.raw<Date | null>(null);
  /** Increments each time a load completes: the map's cue that new data was handed to it. */
  generation = $state(0);

  /** Shared between the map and the side panel list, so hovering either highlights both. */
  hovered = $state<string | null>(null);

  #names = new Map<string, RegionRef>();
  #collections = new Map<string, RegionFeature[]>();
  #abort: AbortController | null = null;

  /** Show `code`. Re-showing the current region is a no-op unless the last load failed. */
  async show(code: string): Promise<void> {
    if (code === this.code && this.status !== 'error') return;
    this.#abort?.abort();
    const abort = new AbortController();
    this.#abort = abort;
    const { signal } = abort;

    this.code = code;
    this.status = 'loading';
    this.error = null;
    this.hovered = null;

    try {
      const [detail, stats, children] = await Promise.all([
        fetchRegion(code, { signal }),
        fetchStats(code, { signal }),
        fetchChildren(code, { signal }),
      ]);
      this.#remember(detail);
      for (const c of detail.children) this.#remember(c);
      // Neighbours (map context) and the ancestors' names (breadcrumb; usually known from drilling down,
      // fetched on a deep link) in parallel.
      const missing = detail.path.filter((c) => !this.#names.has(c));
      const [siblings, ancestors] = await Promise.all([
        detail.parentCode ? this.#collection(detail.parentCode, signal) : Promise.resolve([]),
        Promise.all(missing.map((c) => fetchRegion(c, { signal }))),
      ]);
      for (const a of ancestors) this.#remember(a);
      if (signal.aborted) return;
      this.#cache(code, children.features);

      this.detail = detail;
      this.stats = stats;
      this.children = children.features;
      this.siblings = siblings;
      this.breadcrumb = [...detail.path, code].map((c) => this.#names.get(c) ?? { code: c, name: c, level: detail.level });
      this.loadedAt = new Date();
      this.status = 'ready';
      this.generation++;
    } catch (e) {
      if (signal.aborted) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));
      this.status = 'error';
    }
  }

  retry(): void {
    if (this.code) void this.show(this.code);
  }

  /** Name of a region met anywhere so far (breadcrumb, children, neighbours). */
  nameOf(code: string): string | undefined {
    return this.#names.get(code)?.name;
  }

  #remember(r: RegionRef): void {
    this.#names.set(r.code, { code: r.code, name: r.name, level: r.level });
  }

  async #collection(parent: string, signal: AbortSignal): Promise<RegionFeature[]> {
    const hit = this.#collections.get(parent);
    if (hit) return hit;
    const fc = await fetchChildren(parent, { signal });
    for (const f of fc.features) this.#remember(f.properties);
    this.#cache(parent, fc.features);
    return fc.features;
  }

  #cache(parent: string, features: RegionFeature[]): void {
    for (const f of features) this.#remember(f.properties);
    this.#collections.delete(parent);
    this.#collections.set(parent, features);
    // Map keeps insertion order: the first key is the least recently stored.
    while (this.#collections.size > COLLECTION_CACHE_SIZE) this.#collections.delete(this.#collections.keys().next().value!);
  }
}
