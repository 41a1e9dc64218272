/** Vector tiles (GET /tiles/…): wire constants and TileJSON, shared by server and client. */
import type { RegionLevel } from './regions.js';

/** Tile grid: MVT extent and buffer (tile units), and the zooms the server answers. */
export const TILE_EXTENT = 4096;
export const TILE_BUFFER = 64;
export const TILE_MIN_ZOOM = 0;
export const TILE_MAX_ZOOM = 22;
/** Deepest zoom TileJSON advertises: clients overzoom beyond it (a point needs no more detail). */
export const TILE_DATA_MAX_ZOOM = 16;

export const TILE_CONTENT_TYPE = 'application/vnd.mapbox-vector-tile';

/** The levels a `regions` tile may hold (`level=`); without it the zoom picks one (regionLevelForZoom). */
export const TILE_REGION_LEVELS = ['district', 'street', 'community', 'grid', 'building_group'] as const satisfies readonly RegionLevel[];

/**
 * Default level of a `regions` tile at zoom z, so a polygon is a few hundred pixels wide: a Jinshui street is
 * ~2–3 km across, a community ~700 m, a grid ~250 m, a building group ~100 m.
 */
export function regionLevelForZoom(z: number): RegionLevel {
  if (z <= 12) return 'street';
  if (z <= 14) return 'community';
  if (z === 15) return 'grid';
  return 'building_group';
}

/** Choropleth figures a `regions` tile carries per region (as GET /api/regions/:code/children.geojson). */
export const REGION_TILE_KPIS = [
  'compounds',
  'unmanagedCompounds',
  'serviceCentres',
  'tempBranches',
  'openDisputes',
  'overdueDisputes',
  'projectsInProgress',
] as const;

/** TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0), the fields this server fills. */
export interface TileJson {
  tilejson: '3.0.0';
  name: string;
  description: string;
  scheme: 'xyz';
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  /** [west, south, east, north] of the user's (or the requested region's) area, WGS84. */
  bounds: [number, number, number, number];
  /** [lon, lat, zoom]. */
  center: [number, number, number];
  vector_layers: Array<{
    id: string;
    description: string;
    minzoom: number;
    maxzoom: number;
    /** Attribute name → its MVT type ("String", "Number", "Boolean"), as tippecanoe and Martin write it. */
    fields: Record<string, 'String' | 'Number' | 'Boolean'>;
  }>;
}
