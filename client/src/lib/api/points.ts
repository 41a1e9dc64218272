/**
 * Typed reads of point layers, campaign progress and the event log. As in regions.ts, the checks are shallow:
 * enough that a wrong answer is a clear 'bad_response' instead of a TypeError inside a map layer.
 */
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { LayerName } from '$contract/layers';
import type { CampaignProgress, EventsPage } from '$contract/events';
import { ApiError, getJson, type RequestOptions } from './http';

/** Properties every point layer carries (API.md); the rest depends on the layer. */
export interface PointProps {
  id: string;
  layer: LayerName;
  name: string;
  status: string;
  version: number;
  regionCode: string;
  updatedAt?: string;
  [key: string]: unknown;
}

export type PointFeature = Feature<Geometry, PointProps>;

function bad(what: string): never {
  throw new ApiError(200, 'bad_response', `unexpected ${what} payload`);
}

export async function fetchLayer(layer: LayerName, region: string, opts?: RequestOptions): Promise<PointFeature[]> {
  const fc = await getJson<FeatureCollection<Geometry, PointProps>>(`/api/layers/${layer}?region=${encodeURIComponent(region)}`, opts);
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) bad(`${layer} layer`);
  return fc.features;
}

export async function fetchFeature(layer: LayerName, id: string, opts?: RequestOptions): Promise<PointFeature> {
  const f = await getJson<PointFeature>(`/api/layers/${layer}/${encodeURIComponent(id)}`, opts);
  if (f?.type !== 'Feature' || typeof f.properties?.id !== 'string') bad(`${layer} feature`);
  return f;
}

export async function fetchCampaignProgress(id: string, region: string, opts?: RequestOptions): Promise<CampaignProgress> {
  const p = await getJson<CampaignProgress>(`/api/campaigns/${encodeURIComponent(id)}/progress?region=${encodeURIComponent(region)}`, opts);
  if (typeof p?.campaign?.id !== 'string' || !Array.isArray(p.children)) bad('campaign progress');
  return p;
}

export async function fetchEvents(since: number, region: string, limit: number, opts?: RequestOptions): Promise<EventsPage> {
  const page = await getJson<EventsPage>(`/api/events?since=${since}&limit=${limit}&region=${encodeURIComponent(region)}`, opts);
  if (!Array.isArray(page?.events) || typeof page.last !== 'number') bad('events');
  return page;
}
