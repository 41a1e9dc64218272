/**
 * The server's client settings (`GET /api/config`), fetched once per page. Older servers without the route, or
 * without a field, get the defaults: no basemap, and GeoJSON for every layer (no tile threshold).
 */
import type { RegionStats } from '$contract/regions';
import type { LayerName } from '$contract/layers';
import { getJson } from './http';

export interface ClientConfig {
  basemapStyleUrl: string | null;
  /** A layer with more features than this in the region is drawn from vector tiles; null = never. */
  tileThreshold: number | null;
}

let resolved: Promise<ClientConfig> | null = null;

export function clientConfig(): Promise<ClientConfig> {
  resolved ??= getJson<Record<string, unknown>>('/api/config').then(
    (c) => ({
      basemapStyleUrl: typeof c?.basemapStyleUrl === 'string' ? c.basemapStyleUrl : null,
      tileThreshold: typeof c?.tileThreshold === 'number' && c.tileThreshold >= 0 ? c.tileThreshold : null,
    }),
    () => {
      // Not cached: a transient failure (or a 401 before sign-in) must not pin the defaults for the page's life.
      resolved = null;
      return { basemapStyleUrl: null, tileThreshold: null };
    },
  );
  return resolved;
}

/** How many features a layer has in the region, from its roll-up figures: the input of the tile switch. */
export function layerCount(stats: RegionStats, layer: LayerName): number {
  switch (layer) {
    case 'compounds':
      return stats.compounds.total;
    case 'service-centres':
      return stats.serviceCentres.street + stats.serviceCentres.community500 + stats.serviceCentres.community1000;
    case 'projects':
      return stats.projects.total;
    case 'temp-branches':
      return stats.tempBranches.project + stats.tempBranches.compound;
    case 'disputes':
      return stats.disputes.open + stats.disputes.resolved;
    case 'member-units':
      return stats.memberUnits.total;
    case 'micro-wishes':
      // Not in the roll-ups; a district has a few hundred at most, always one GeoJSON load.
      return 0;
  }
}

/** Tiles for this layer in this region? */
export function useTiles(config: ClientConfig, stats: RegionStats | null, layer: LayerName): boolean {
  return config.tileThreshold !== null && stats !== null && layerCount(stats, layer) > config.tileThreshold;
}
