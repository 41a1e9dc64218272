/**
 * The tile URL of a point layer (`/tiles/:layer/{z}/{x}/{y}.mvt`, API.md §GIS) with its query. Kept apart from
 * the deck.gl tile layer (deck/tile-points.ts) so a map that draws tiles with MapLibre (the leader's) does not
 * pull deck.gl into its bundle.
 */
import type { LayerName } from '$contract/layers';

export interface TileQuery {
  region: string;
  /** Statuses the server should send (a filter the user set); null = all. */
  statuses?: readonly string[] | null;
  /** Replay: statuses as they stood then. */
  at?: string;
}

/** The tile URL template of a layer, with its query: a new template is a new tileset for deck. */
export function tileTemplate(layer: LayerName, q: TileQuery): string {
  const params = new URLSearchParams({ region: q.region });
  if (q.statuses) params.set('status', q.statuses.join(','));
  if (q.at) params.set('at', q.at);
  return `/tiles/${layer}/{z}/{x}/{y}.mvt?${params.toString().replace(/%2C/g, ',')}`;
}
