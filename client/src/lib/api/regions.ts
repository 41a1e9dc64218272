/**
 * Typed calls for the region tree and its roll-up figures. Types come from the server's contract; the checks
 * below are deliberately shallow — enough that a wrong answer becomes a clear 'bad_response' error instead of a
 * blank map or a TypeError deep inside a component.
 */
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { RegionDetail, RegionFeatureProps, RegionStats } from '$contract/regions';
import { ApiError, getJson, type RequestOptions } from './http';

export type RegionGeometry = MultiPolygon | Polygon;
export type RegionCollection = FeatureCollection<RegionGeometry, RegionFeatureProps>;

function bad(what: string): never {
  throw new ApiError(200, 'bad_response', `unexpected ${what} payload`);
}

export async function fetchStats(code: string, opts?: RequestOptions): Promise<RegionStats> {
  const s = await getJson<RegionStats>(`/api/stats?region=${encodeURIComponent(code)}`, opts);
  if (typeof s?.region?.code !== 'string' || typeof s.serviceCentres !== 'object' || typeof s.tempBranches !== 'object') bad('stats');
  return s;
}

export async function fetchRegion(code: string, opts?: RequestOptions): Promise<RegionDetail> {
  const r = await getJson<RegionDetail>(`/api/regions/${encodeURIComponent(code)}`, opts);
  if (typeof r?.code !== 'string' || !Array.isArray(r.path) || !Array.isArray(r.children)) bad('region');
  return r;
}

export async function fetchChildren(code: string, opts?: RequestOptions): Promise<RegionCollection> {
  const fc = await getJson<RegionCollection>(`/api/regions/${encodeURIComponent(code)}/children.geojson`, opts);
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) bad('children.geojson');
  for (const f of fc.features) {
    if (typeof f?.properties?.code !== 'string' || (f.geometry?.type !== 'MultiPolygon' && f.geometry?.type !== 'Polygon')) bad('region feature');
  }
  return fc;
}
