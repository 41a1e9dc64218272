/**
 * Typed reads of the point layers (optionally as they stood at a time), one point with its history, campaigns and
 * their progress, the event log and search — for the leader drill-down and the wall alike. As in regions.ts, the
 * checks are shallow: enough that a wrong answer is a clear 'bad_response' instead of a TypeError inside a
 * deck.gl accessor.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { LayerName } from '$contract/layers';
import type { Campaign, CampaignProgress, ChangeEvent, EventsPage } from '$contract/events';
import type { SearchResult } from '$contract/regions';
import { ApiError, getJson, type RequestOptions } from './http';

/** Properties every point carries (API.md); the rest depends on the layer (server/src/layers/layers.model.ts). */
export interface PointProps {
  id: string;
  layer: LayerName;
  name: string;
  status: string;
  version: number;
  regionCode: string;
  updatedAt?: string;
  /** Only on GET /api/layers/:layer/:id: the statuses the requesting user may move it to. */
  nextStatuses?: string[];
  [key: string]: unknown;
}

export type PointFeature = Feature<Geometry, PointProps>;

function bad(what: string): never {
  throw new ApiError(200, 'bad_response', `unexpected ${what} payload`);
}

const enc = encodeURIComponent;

export function layerPath(layer: LayerName, region: string, at?: string, statuses?: readonly string[]): string {
  return `/api/layers/${layer}?region=${enc(region)}${at ? `&at=${enc(at)}` : ''}${statuses ? `&status=${statuses.map(enc).join(',')}` : ''}`;
}

/** The layer's points in the region subtree; with `at`, statuses as they stood then (replay); optionally some statuses only. */
export async function fetchPoints(
  layer: LayerName,
  region: string,
  at: string | undefined,
  opts?: RequestOptions & { statuses?: readonly string[] },
): Promise<PointFeature[]> {
  const fc = await getJson<FeatureCollection<Geometry, PointProps>>(layerPath(layer, region, at, opts?.statuses), opts);
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) bad(`${layer} layer`);
  return fc.features.filter((f) => typeof f?.properties?.id === 'string');
}

export async function fetchPoint(layer: LayerName, id: string, opts?: RequestOptions): Promise<PointFeature> {
  const f = await getJson<PointFeature>(`/api/layers/${layer}/${enc(id)}`, opts);
  if (f?.type !== 'Feature' || typeof f.properties?.id !== 'string') bad(`${layer} feature`);
  return f;
}

export async function fetchPointHistory(layer: LayerName, id: string, opts?: RequestOptions): Promise<ChangeEvent[]> {
  const h = await getJson<{ events: ChangeEvent[] }>(`/api/layers/${layer}/${enc(id)}/history`, opts);
  if (!Array.isArray(h?.events)) bad('history');
  return h.events;
}

export async function fetchCampaigns(opts?: RequestOptions): Promise<Campaign[]> {
  const list = await getJson<Campaign[]>('/api/campaigns', opts);
  if (!Array.isArray(list) || list.some((c) => typeof c?.id !== 'string' || typeof c.startsAt !== 'string')) bad('campaigns');
  return list;
}

/** The campaign's totals in the region and one row per child region; with `at`, as they stood then (replay). */
export async function fetchCampaignProgress(id: string, region: string, at: string | undefined, opts?: RequestOptions): Promise<CampaignProgress> {
  const p = await getJson<CampaignProgress>(`/api/campaigns/${enc(id)}/progress?region=${enc(region)}${at ? `&at=${enc(at)}` : ''}`, opts);
  if (typeof p?.campaign?.id !== 'string' || typeof p.done !== 'number' || typeof p.byStatus !== 'object' || !Array.isArray(p.children)) {
    bad('campaign progress');
  }
  return p;
}

export async function fetchEvents(since: number, region: string, limit: number, opts?: RequestOptions): Promise<EventsPage> {
  const page = await getJson<EventsPage>(`/api/events?since=${since}&limit=${limit}&region=${enc(region)}`, opts);
  if (!Array.isArray(page?.events) || typeof page.last !== 'number') bad('events');
  return page;
}

export async function search(q: string, opts?: RequestOptions): Promise<SearchResult> {
  const r = await getJson<SearchResult>(`/api/search?q=${enc(q)}`, opts);
  if (!Array.isArray(r?.regions) || !Array.isArray(r.features)) bad('search');
  return r;
}
