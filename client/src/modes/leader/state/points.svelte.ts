/**
 * The point layers of the leader map for the region on screen: which are shown and how they are filtered
 * (persisted per browser), the points of each loaded layer, and live changes applied in place.
 *
 * Every array here is `$state.raw` and replaced, never mutated: the map compares each layer's array by
 * identity, and a layer whose array did not change is not re-uploaded. The per-layer memo in `visible` keeps that true for
 * filtering too — changing the disputes filter hands the map a new disputes array and the same compounds array.
 *
 * A layer with too many points for the region (`show`'s `tiled`) is not loaded: the map draws it from vector
 * tiles (leader/PointLayers.svelte) and `all` holds only the points live changes touched since, which the map
 * draws over the tiles; `overridden` lists their ids so the tiles hide them (deleted ones too).
 */
import { isLayerName, type LayerName } from '$contract/layers';
import { ApiError } from '../../../lib/api/http';
import type { LiveChange } from '../../../lib/api/live';
import type { LngLat } from '../../../lib/geo/geometry';
import { positionOf } from '../../../lib/state/points.svelte';
import { fetchPoint, fetchPoints, type PointFeature, type PointProps } from '../../../lib/api/points';
import type { TileQuery } from '../../../lib/map/tile-query';
import { DRAW_ORDER } from '../point-style';
import { passesFilter, readLayerSettings, writeLayerSettings, type LayerFilter, type LayerSettings } from '../layer-settings';

export interface MapPoint {
  id: string;
  layer: LayerName;
  position: LngLat;
  props: PointProps;
}

export type VisiblePoints = Record<LayerName, readonly MapPoint[]>;

export function toMapPoint(layer: LayerName, f: PointFeature): MapPoint | null {
  const position = positionOf(f.geometry);
  return position ? { id: f.properties.id, layer, position, props: f.properties } : null;
}

const EMPTY: readonly MapPoint[] = Object.freeze([]);
const noPoints = (): VisiblePoints => Object.fromEntries(DRAW_ORDER.map((l) => [l, EMPTY])) as VisiblePoints;

export class LeaderPointsState {
  settings = $state.raw<LayerSettings>(readLayerSettings());
  /** Every point of each loaded layer in the region (before filters). */
  all = $state.raw<Partial<Record<LayerName, readonly MapPoint[]>>>({});
  /** Layers with a request in flight; the panel shows a spinner next to them. */
  loading = $state.raw<ReadonlySet<LayerName>>(new Set());
  /** Layers whose last load failed, with why. */
  errors = $state.raw<Partial<Record<LayerName, ApiError>>>({});
  /** Layers drawn from vector tiles in the region on screen. */
  tiled = $state.raw<ReadonlySet<LayerName>>(new Set());
  /** Tiled layers whose tiles for the current view and query have not all arrived yet (the panel's spinner). */
  tilesPending = $state.raw<ReadonlySet<LayerName>>(new Set());
  /** Per tiled layer: ids of points changed live since the tiles were chosen; the tiles must not draw them. */
  overridden = $state.raw<Partial<Record<LayerName, ReadonlySet<string>>>>({});

  #memo = new Map<LayerName, { src: readonly MapPoint[]; filter: LayerFilter; out: readonly MapPoint[] }>();

  /** Points drawn and listed: enabled layers, filtered. A layer's array is reused while its inputs are. */
  visible: VisiblePoints = $derived.by(() => {
    const out = noPoints();
    for (const layer of DRAW_ORDER) {
      const filter = this.settings[layer];
      const src = this.all[layer];
      if (!filter.enabled || !src) continue;
      const hit = this.#memo.get(layer);
      if (hit && hit.src === src && hit.filter === filter) {
        out[layer] = hit.out;
        continue;
      }
      const filtered = filter.statuses || filter.values ? src.filter((p) => passesFilter(layer, p.props, filter)) : src;
      this.#memo.set(layer, { src, filter, out: filtered });
      out[layer] = filtered;
    }
    return out;
  });

  /** The tile query of each tiled, enabled layer: statuses filter on the server (fewer bytes), values in the client. */
  tileQueries: Partial<Record<LayerName, TileQuery>> = $derived.by(() => {
    const out: Partial<Record<LayerName, TileQuery>> = {};
    const region = this.shownRegion;
    if (!region) return out;
    for (const layer of this.tiled) {
      const f = this.settings[layer];
      if (f.enabled) out[layer] = { region, statuses: f.statuses, at: this.shownAt };
    }
    return out;
  });

  /** The region and time whose points are on screen (tiled layers read them). */
  shownRegion = $state<string | null>(null);
  shownAt = $state<string | undefined>(undefined);
  #tileTemplates = new Map<LayerName, string>();

  #region: string | null = null;
  #at: string | undefined;
  /** layer → `${region}|${at}` of the data held. */
  #loadedKey = new Map<LayerName, string>();
  #inflight = new Map<LayerName, { key: string; abort: AbortController; changes: LiveChange[] }>();

  get #key(): string {
    return `${this.#region}|${this.#at ?? ''}`;
  }

  // ── settings ──

  #setFilter(layer: LayerName, patch: Partial<LayerFilter>): void {
    this.settings = { ...this.settings, [layer]: { ...this.settings[layer], ...patch } };
    writeLayerSettings(this.settings);
    if (patch.enabled) this.#loadMissing();
  }

  setEnabled(layer: LayerName, enabled: boolean): void {
    this.#setFilter(layer, { enabled });
  }

  /** Toggle one status in or out of the layer's status filter; all statuses selected means "no filter". */
  toggleStatus(layer: LayerName, status: string, all: readonly string[]): void {
    const current = this.settings[layer].statuses ?? [...all];
    const next = current.includes(status) ? current.filter((s) => s !== status) : [...current, status];
    this.#setFilter(layer, { statuses: next.length === all.length ? null : all.filter((s) => next.includes(s)) });
  }

  setValues(layer: LayerName, values: string[] | null): void {
    this.#setFilter(layer, { values });
  }

  resetFilters(layer: LayerName): void {
    this.#setFilter(layer, { statuses: null, values: null });
  }

  // ── loading ──

  /**
   * Show the points of `region`, with statuses as they stood at `at` (replay) or now. Points already held that
   * lie inside the new region stay on screen until its own data arrives, so drilling down never blanks the map.
   *
   * Another region aborts every request in flight. Another time (a replay tick) does not: each layer keeps
   * its one request out, shows its answer — a frame of the replay — and then asks for the newest time. Aborting
   * on every tick would show nothing at all while playing whenever a layer takes longer than a tick to load.
   */
  show(region: string, at: string | undefined, tiled: ReadonlySet<LayerName> = new Set()): void {
    const tiledChanged = tiled.size !== this.tiled.size || [...tiled].some((l) => !this.tiled.has(l));
    if (region === this.#region && at === this.#at && !tiledChanged) return this.#loadMissing();
    const regionChanged = region !== this.#region || tiledChanged;
    this.#region = region;
    this.#at = at;
    this.shownRegion = region;
    this.shownAt = at;
    this.tiled = tiled;
    this.overridden = {};
    if (regionChanged) {
      for (const { abort } of this.#inflight.values()) abort.abort();
      this.#inflight.clear();
      this.#loadedKey.clear();
      this.loading = new Set();
      const kept: Partial<Record<LayerName, readonly MapPoint[]>> = {};
      for (const [layer, points] of Object.entries(this.all) as [LayerName, readonly MapPoint[]][]) {
        if (!tiled.has(layer)) kept[layer] = points.filter((p) => p.props.regionCode.startsWith(region));
      }
      this.all = kept;
    }
    // Live overrides of tiled layers belong to the tiles they corrected: new tiles start clean.
    for (const layer of tiled) this.all = { ...this.all, [layer]: EMPTY };
    this.#loadMissing();
  }

  /** The tile template a tiled layer is about to draw: its tiles are pending until `tilesLoaded` says so. */
  tilesRequested(layer: LayerName, template: string): void {
    if (this.#tileTemplates.get(layer) === template) return;
    this.#tileTemplates.set(layer, template);
    this.tilesPending = new Set([...this.tilesPending, layer]);
  }

  tilesLoaded(layer: LayerName, template: string): void {
    if (this.#tileTemplates.get(layer) !== template || !this.tilesPending.has(layer)) return;
    const next = new Set(this.tilesPending);
    next.delete(layer);
    this.tilesPending = next;
  }

  retry(): void {
    this.errors = {};
    this.#loadMissing();
  }

  #loadMissing(): void {
    const region = this.#region;
    if (!region) return;
    const key = this.#key;
    for (const layer of DRAW_ORDER) {
      // A layer with a request out is asked again when it answers (#load's finally), for the newest time.
      if (!this.settings[layer].enabled || this.#loadedKey.get(layer) === key || this.#inflight.has(layer)) continue;
      if (this.tiled.has(layer)) {
        this.#loadedKey.set(layer, key);
        continue;
      }
      void this.#load(layer, region, this.#at, key);
    }
  }

  async #load(layer: LayerName, region: string, at: string | undefined, key: string): Promise<void> {
    const abort = new AbortController();
    const entry = { key, abort, changes: [] as LiveChange[] };
    this.#inflight.set(layer, entry);
    this.loading = new Set([...this.loading, layer]);
    try {
      const features = await fetchPoints(layer, region, at, { signal: abort.signal });
      if (abort.signal.aborted) return;
      const points: MapPoint[] = [];
      for (const f of features) {
        const p = toMapPoint(layer, f);
        if (p) points.push(p);
      }
      this.all = { ...this.all, [layer]: points };
      this.#loadedKey.set(layer, key);
      if (this.errors[layer]) {
        const { [layer]: _cleared, ...rest } = this.errors;
        this.errors = rest;
      }
      // Changes that arrived while the request was out may be newer than its answer: replay them (by version).
      for (const change of entry.changes) this.applyChange(change);
    } catch (e) {
      if (abort.signal.aborted) return;
      this.errors = { ...this.errors, [layer]: e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e)) };
    } finally {
      if (this.#inflight.get(layer) === entry) {
        this.#inflight.delete(layer);
        const next = new Set(this.loading);
        next.delete(layer);
        this.loading = next;
        // The replay time moved on while this was out (the region did not: that aborts): catch up.
        if (!abort.signal.aborted && key !== this.#key && !this.errors[layer]) this.#loadMissing();
      }
    }
  }

  // ── live ──

  /**
   * A change from the live feed: the point is replaced by id in a new array (the map sees a new array, the other
   * layers keep theirs). Ignored during replay — the map shows another time then, and leaving replay reloads.
   */
  applyChange(change: LiveChange): void {
    if (this.#at !== undefined || !this.#region) return;
    // Administrative events (imports, users, campaigns, boundaries) carry no point.
    if (!isLayerName(change.layer)) return;
    const layer = change.layer;
    const inflight = this.#inflight.get(layer);
    if (inflight) inflight.changes.push(change);
    const points = this.all[layer];
    if (!points) return;

    if (change.op === 'delete') {
      this.#override(layer, change.id);
      return this.#replace(layer, change.id, null);
    }
    if (change.feature) return this.#upsert(layer, change.feature as PointFeature);
    // From a catch-up over HTTP the event has no feature: fetch the point as it is now.
    void fetchPoint(layer, change.id).then(
      (f) => this.#upsert(layer, f),
      () => undefined, // deleted or no longer readable: the next full load settles it
    );
  }

  #upsert(layer: LayerName, feature: PointFeature): void {
    const region = this.#region;
    if (!region || this.#at !== undefined) return;
    const point = toMapPoint(layer, feature);
    const inRegion = point && point.props.regionCode.startsWith(region);
    this.#override(layer, feature.properties.id);
    this.#replace(layer, feature.properties.id, inRegion ? point : null);
  }

  /** Replaces (or removes, with null) the point `id` of `layer`; older versions never overwrite newer ones. */
  #replace(layer: LayerName, id: string, point: MapPoint | null): void {
    const points = this.all[layer];
    if (!points) return;
    const i = points.findIndex((p) => p.id === id);
    if (point && i >= 0 && points[i].props.version > point.props.version) return;
    let next: MapPoint[];
    if (i < 0) {
      if (!point) return;
      next = [...points, point];
    } else {
      next = points.slice();
      if (point) next[i] = point;
      else next.splice(i, 1);
    }
    this.all = { ...this.all, [layer]: next };
  }

  /** Marks a tiled layer's point as changed live, so the tiles stop drawing their (older) copy of it. */
  #override(layer: LayerName, id: string): void {
    if (!this.tiled.has(layer) || this.overridden[layer]?.has(id)) return;
    this.overridden = { ...this.overridden, [layer]: new Set([...(this.overridden[layer] ?? []), id]) };
  }

  /** A point held by any layer, for the detail card and search hits. */
  find(layer: LayerName, id: string): MapPoint | undefined {
    return this.all[layer]?.find((p) => p.id === id);
  }

  destroy(): void {
    for (const { abort } of this.#inflight.values()) abort.abort();
    this.#inflight.clear();
  }
}
