/**
 * The wall's settings from its URL, so an unattended screen is configured by the link it is started with:
 * `?tour=30` (auto-tour every 30 s; `tour=0` or absent = off), `?kpi=openDisputes` (choropleth metric),
 * `?layers=compounds,disputes,hotspots` (visible layers; default all), `?lang=en`.
 */
import { MAP_POINT_LAYERS, type MapPointLayer } from '../../lib/map/deck/point-layers';
import { DEFAULT_TOUR_S } from './tour.svelte';
import { isWallMetric, type WallMetric } from './wall.svelte';

export type WallLayer = MapPointLayer | 'hotspots';
export const WALL_LAYERS: readonly WallLayer[] = [...MAP_POINT_LAYERS, 'hotspots'];

export interface WallOptions {
  tour: { enabled: boolean; intervalS: number };
  metric: WallMetric | undefined;
  layers: Record<WallLayer, boolean>;
}

export function readWallOptions(params: URLSearchParams): WallOptions {
  const tourParam = params.get('tour');
  const seconds = tourParam === null || tourParam === '' ? DEFAULT_TOUR_S : Number(tourParam);
  const listed = params.get('layers')?.split(',').map((s) => s.trim());
  const layers = Object.fromEntries(WALL_LAYERS.map((l) => [l, listed ? listed.includes(l) : true])) as Record<WallLayer, boolean>;
  const kpi = params.get('kpi');
  return {
    tour: { enabled: tourParam !== null && seconds > 0, intervalS: Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TOUR_S },
    metric: isWallMetric(kpi) ? kpi : undefined,
    layers,
  };
}
