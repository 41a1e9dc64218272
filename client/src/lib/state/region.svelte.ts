/**
 * The region a user is looking at: its detail, roll-up stats, children (for the choropleth) and neighbours
 * (for context), loaded together and swapped in at once so the map and panel never show a mix of two regions.
 */
import type { Feature } from 'geojson';
import { DISTRICT_CODE, type RegionDetail, type RegionFeatureProps, type RegionRef, type RegionStats } from '$contract/regions';
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

  /**
   * Top of what this user may see (their own region: a coordinator's grid). Nothing above it is requested —
   * the server would answer 403 — so neither its neighbours nor its ancestors' outlines are loaded, and the
   * breadcrumb starts here.
   */
  root = $state(DISTRICT_CODE);

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
      // The answer names its ancestors, so a deep link's breadcrumb needs no further request.
      for (const a of detail.ancestors ?? []) this.#remember(a);
      // Neighbours (map context) only below the user's root: the root's parent is not theirs to read.
      const root = this.root;
      const parent = detail.parentCode && detail.parentCode.startsWith(root) ? detail.parentCode : null;
      const siblings = parent ? await this.#collection(parent, signal) : [];
      if (signal.aborted) return;
      this.#cache(code, children.features);

      this.detail = detail;
      this.stats = stats;
      this.children = children.features;
      this.siblings = siblings;
      this.breadcrumb = [...detail.path, code]
        .filter((c) => c.startsWith(root))
        .map((c) => this.#names.get(c) ?? { code: c, name: c, level: detail.level });
      this.loadedAt = new Date();
      this.status = 'ready';
      this.generation++;
    } catch (e) {
      if (signal.aborted) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));
      this.status = 'error';
    }
  }

  /**
   * Reloads the roll-up figures and the choropleth of the region on screen after a live change, without the
   * loading state (the map stays as it is). A navigation meanwhile wins: its load replaces whatever this gets.
   */
  async refreshFigures(): Promise<void> {
    const code = this.code;
    if (!code || this.status !== 'ready') return;
    const signal = this.#abort?.signal;
    try {
      const [stats, children] = await Promise.all([fetchStats(code, { signal }), fetchChildren(code, { signal })]);
      if (signal?.aborted || code !== this.code || this.status !== 'ready') return;
      this.#cache(code, children.features);
      this.stats = stats;
      this.children = children.features;
      this.loadedAt = new Date();
    } catch {
      /* a failed refresh keeps the figures shown; the next change or navigation tries again */
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
