/**
 * What a coordinator (网格员) works on: the points of one layer in their grid(s), the active campaigns and their
 * targets there, the filters and the sort. Reads go through the offline copy (cache.ts), so the same screen
 * appears after a reload without a network; live changes and landed writes update the list in place.
 */
import { centroid, distance, featureCollection, union } from '@turf/turf';
import type { Feature, Geometry, MultiPolygon, Polygon } from 'geojson';
import { TRANSITIONS, isLayerName, type LayerName } from '$contract/layers';
import type { Campaign } from '$contract/events';
import { fetchCampaigns, fetchPoints, type PointFeature, type PointProps } from '../../../lib/api/points';
import { fetchChildren, fetchRegion } from '../../../lib/api/regions';
import { ApiError, getJson } from '../../../lib/api/http';
import { isUnreachable, readThrough, updateCached } from './cache';

export type LngLat = [number, number];

/** One point as the field screens use it: the server's state only (pending writes are laid over it by the page). */
export interface FieldPoint {
  /** `layer/id` */
  key: string;
  layer: LayerName;
  id: string;
  name: string;
  status: string;
  version: number;
  regionCode: string;
  position: LngLat | null;
  props: PointProps;
}

export interface GridInfo {
  code: string;
  name: string;
  outline: Feature<Polygon | MultiPolygon> | null;
}

/** The layers a coordinator works on, in the order of the layer filter (compounds first: the campaigns' layer). */
export const FIELD_LAYERS: readonly LayerName[] = ['compounds', 'disputes', 'projects', 'service-centres', 'temp-branches', 'member-units', 'micro-wishes'];

export const pointKey = (layer: string, id: string) => `${layer}/${id}`;

function positionOf(g: Geometry | null | undefined): LngLat | null {
  if (!g) return null;
  if (g.type === 'Point') return [g.coordinates[0], g.coordinates[1]];
  try {
    const c = centroid(g).geometry.coordinates;
    return [c[0], c[1]];
  } catch {
    return null;
  }
}

export function toFieldPoint(f: PointFeature | GeoJSON.Feature, layer: LayerName): FieldPoint | null {
  const p = f.properties as PointProps | null;
  if (!p || typeof p.id !== 'string') return null;
  return {
    key: pointKey(layer, p.id),
    layer,
    id: p.id,
    name: typeof p.name === 'string' ? p.name : p.id,
    status: String(p.status),
    version: Number(p.version),
    regionCode: String(p.regionCode ?? ''),
    position: positionOf(f.geometry),
    props: p,
  };
}

/** Metres between two positions (turf, great-circle). */
export const metresBetween = (a: LngLat, b: LngLat): number => distance(a, b, { units: 'meters' });

/**
 * Per point, the newer of the server's answer and the kept copy (by version). The answer decides which points
 * exist; the copy only wins where it knows a later version (the answer came from the service worker's cache).
 */
function newerOf(fresh: PointFeature[], kept: PointFeature[]): PointFeature[] {
  const keptById = new Map(kept.map((f) => [f.properties.id, f]));
  return fresh.map((f) => {
    const k = keptById.get(f.properties.id);
    return k && Number(k.properties.version) > Number(f.properties.version) ? { ...f, geometry: k.geometry ?? f.geometry, properties: k.properties } : f;
  });
}

/**
 * A region's outline. A coordinator may not read their community (the parent whose children.geojson holds the
 * grid's own polygon), but may read their grid's children: the building groups tile the grid, so their union is
 * its outline. A region without children (a building group) falls back to the parent's list.
 */
async function outlineOf(code: string): Promise<Feature<Polygon | MultiPolygon> | null> {
  const children = await fetchChildren(code);
  const polygons = children.features.map((f) => ({ type: 'Feature' as const, properties: {}, geometry: f.geometry }));
  if (polygons.length === 1) return { ...polygons[0], properties: { code } };
  if (polygons.length > 1) {
    const merged = union(featureCollection(polygons));
    if (merged) return { ...merged, properties: { code } };
  }
  const region = await fetchRegion(code);
  if (!region.parentCode) return null;
  const own = (await fetchChildren(region.parentCode)).features.find((f) => f.properties.code === code);
  return own ? { type: 'Feature', properties: { code }, geometry: own.geometry } : null;
}

const byName = new Intl.Collator('zh-CN', { numeric: true });

export class FieldPointsState {
  /** Roots of the user's areas: a coordinator's grids, anyone else's region. */
  grids: string[] = $state.raw([]);
  gridInfo: GridInfo[] = $state.raw([]);

  layer = $state<LayerName>('compounds');
  statusFilter = $state('');
  /** '' = all points; else a campaign id: only its targets. */
  campaignId = $state('');

  campaigns: Campaign[] = $state.raw([]);
  /** Active campaigns' targets in my grids, as `layer/id` keys. */
  targets: Record<string, ReadonlySet<string>> = $state.raw({});

  /** The current layer's points in my grids (replaced, never mutated). */
  points: FieldPoint[] = $state.raw([]);
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state.raw<ApiError | null>(null);
  /** Set while what is on screen came from the offline copy: when that copy was saved. */
  offlineSince = $state<string | null>(null);
  /** Bumped on every replacement of `points`, so the map knows when new data arrived. */
  generation = $state(0);

  /** The phone's position, once the user asked to sort by distance (or had already allowed it). */
  location = $state.raw<LngLat | null>(null);
  locating = $state(false);
  locationError = $state(false);

  #user = '';
  #load = 0;

  /** Every active campaign's targets together: a target of any campaign sorts first. */
  allTargets: ReadonlySet<string> = $derived(new Set(Object.values(this.targets).flatMap((s) => [...s])));

  campaign: Campaign | null = $derived(this.campaigns.find((c) => c.id === this.campaignId) ?? null);

  statuses: string[] = $derived(Object.keys(TRANSITIONS[this.layer]));

  start(user: string, grids: string[]): void {
    this.#user = user;
    this.grids = grids;
    void this.loadGrids();
    void this.loadCampaigns();
    void this.loadPoints();
    void this.permittedLocation();
  }

  setLayer(layer: LayerName): void {
    if (layer === this.layer) return;
    this.layer = layer;
    this.statusFilter = '';
    if (this.campaign && this.campaign.layer !== layer) this.campaignId = '';
    void this.loadPoints();
  }

  setCampaign(id: string): void {
    this.campaignId = id;
    const layer = this.campaign?.layer;
    if (layer && isLayerName(layer) && layer !== this.layer) {
      this.layer = layer;
      this.statusFilter = '';
      void this.loadPoints();
    }
  }

  retry(): void {
    void this.loadPoints();
  }

  async loadGrids(): Promise<void> {
    const infos = await Promise.all(
      this.grids.map(async (code): Promise<GridInfo> => {
        const [name, outline] = await Promise.all([
          readThrough(this.#user, `grid-name:${code}`, async () => (await fetchRegion(code)).name).then(
            (r) => r.value,
            () => code,
          ),
          readThrough(this.#user, `grid-outline:${code}`, () => outlineOf(code)).then(
            (r) => r.value,
            () => null,
          ),
        ]);
        return { code, name, outline };
      }),
    );
    this.gridInfo = infos;
  }

  async loadCampaigns(): Promise<void> {
    try {
      const { value } = await readThrough(this.#user, 'campaigns', () => fetchCampaigns());
      this.campaigns = value.filter((c) => c.status === 'active');
    } catch {
      this.campaigns = [];
      return;
    }
    const targets: Record<string, ReadonlySet<string>> = {};
    await Promise.all(
      this.campaigns.map(async (c) => {
        const keys = new Set<string>();
        for (const grid of this.grids) {
          try {
            const { value } = await readThrough(this.#user, `targets:${c.id}:${grid}`, () =>
              getJson<{ layer: string; ids: string[] }>(`/api/campaigns/${encodeURIComponent(c.id)}/targets?region=${encodeURIComponent(grid)}`),
            );
            for (const id of value.ids ?? []) keys.add(pointKey(value.layer, id));
          } catch {
            /* a campaign without targets here (or unreadable) just sorts nothing first */
          }
        }
        targets[c.id] = keys;
      }),
    );
    this.targets = targets;
  }

  async loadPoints(): Promise<void> {
    const load = ++this.#load;
    const layer = this.layer;
    this.status = 'loading';
    try {
      const reads = await Promise.all(this.grids.map((grid) => readThrough(this.#user, `points:${layer}:${grid}`, () => fetchPoints(layer, grid, undefined), newerOf)));
      if (load !== this.#load) return;
      const seen = new Set<string>();
      const points: FieldPoint[] = [];
      for (const read of reads) {
        for (const f of read.value) {
          const p = toFieldPoint(f, layer);
          if (p && !seen.has(p.key)) {
            seen.add(p.key);
            points.push(p);
          }
        }
      }
      this.points = points;
      this.offlineSince = reads.find((r) => r.offlineSince)?.offlineSince ?? null;
      this.error = null;
      this.status = 'ready';
      this.generation++;
    } catch (e) {
      if (load !== this.#load) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
      this.status = 'error';
    }
  }

  find(key: string): FieldPoint | undefined {
    return this.points.find((p) => p.key === key);
  }

  /**
   * A newer state of one point (a live change, a landed write, a conflict's current version). Older versions
   * never overwrite newer ones: the socket and a PATCH answer may arrive in either order.
   */
  applyFeature(layer: LayerName, feature: GeoJSON.Feature | PointFeature): void {
    const next = toFieldPoint(feature, layer);
    if (!next) return;
    this.#saveOffline(next);
    if (layer !== this.layer) return;
    const i = this.points.findIndex((p) => p.key === next.key);
    if (i >= 0) {
      if (this.points[i].version > next.version) return;
      const copy = this.points.slice();
      copy[i] = next;
      this.points = copy;
    } else if (this.grids.some((g) => next.regionCode.startsWith(g))) {
      this.points = [...this.points, next];
    }
  }

  remove(layer: LayerName, id: string): void {
    if (layer !== this.layer) return;
    const key = pointKey(layer, id);
    if (this.points.some((p) => p.key === key)) this.points = this.points.filter((p) => p.key !== key);
  }

  #saveOffline(point: FieldPoint): void {
    const grid = this.grids.find((g) => point.regionCode.startsWith(g));
    if (!grid) return;
    void updateCached<PointFeature[]>(this.#user, `points:${point.layer}:${grid}`, (list) => {
      const i = list.findIndex((f) => f.properties.id === point.id);
      if (i < 0 || list[i].properties.version > point.version) return list;
      const copy = list.slice();
      copy[i] = { ...list[i], properties: point.props };
      return copy;
    });
  }

  // ── the phone's position: asked for only on the user's tap, or when permission was already given ──

  async permittedLocation(): Promise<void> {
    try {
      const p = await navigator.permissions?.query({ name: 'geolocation' as PermissionName });
      if (p?.state === 'granted') this.locate();
    } catch {
      /* no Permissions API: wait for the user's tap */
    }
  }

  locate(): void {
    if (!('geolocation' in navigator)) {
      this.locationError = true;
      return;
    }
    this.locating = true;
    this.locationError = false;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        this.location = [pos.coords.longitude, pos.coords.latitude];
        this.locating = false;
      },
      () => {
        this.locating = false;
        this.locationError = true;
      },
      { enableHighAccuracy: false, timeout: 15_000, maximumAge: 60_000 },
    );
  }

  /** The sort: campaign targets of my grids first, then nearest (when the phone gave a position), else by name. */
  sort(points: readonly FieldPoint[]): FieldPoint[] {
    const targets = this.campaign ? (this.targets[this.campaign.id] ?? new Set<string>()) : this.allTargets;
    const here = this.location;
    const dist = new Map<string, number>();
    if (here) for (const p of points) dist.set(p.key, p.position ? metresBetween(here, p.position) : Infinity);
    return [...points].sort((a, b) => {
      const ta = targets.has(a.key) ? 0 : 1;
      const tb = targets.has(b.key) ? 0 : 1;
      if (ta !== tb) return ta - tb;
      if (here) {
        const d = dist.get(a.key)! - dist.get(b.key)!;
        if (d) return d;
      }
      return byName.compare(a.name, b.name);
    });
  }
}

export { isUnreachable };
