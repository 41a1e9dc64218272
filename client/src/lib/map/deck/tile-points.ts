/**
 * A point layer drawn from the server's vector tiles (`/tiles/:layer/{z}/{x}/{y}.mvt`, API.md §GIS) instead of one
 * GeoJSON load: what a map does when a layer has too many points for the region (lib/api/config.ts `useTiles`).
 *
 * Live changes are not re-read from tiles. The mode keeps an override per changed point (its newest feature, or
 * a deletion) and draws those with its ordinary GeoJSON layer; the tile layer hides every id in `hidden` by its
 * accessors (radius and line width 0: nothing drawn, nothing picked). A change therefore recomputes one attribute
 * of the loaded tiles (updateTriggers `hiddenKey`) and refetches nothing, so a wall does not flicker.
 *
 * Tiles are parsed in loaders.gl's worker, bundled and served from our own origin (the default loads it from a
 * CDN, which the CSP and the no-internet rule forbid). The token rides as a header: deck fetches the tiles itself.
 */
import { MVTLayer } from '@deck.gl/geo-layers';
import type { PickingInfo } from '@deck.gl/core';
import type { Feature, Geometry } from 'geojson';
import type { LayerName } from '$contract/layers';
import mvtWorkerUrl from '@loaders.gl/mvt/mvt-worker.js?url';
import type { PointProps } from '../../api/points';
import { tileTemplate, type TileQuery } from '../tile-query';

type Rgba = readonly [number, number, number, number] | readonly [number, number, number];
type TileFeature = { properties: PointProps };

/** How one point looks; accessors over its properties (as the GeoJSON path's accessors read `point.props`). */
export interface TileSymbology {
  kind: 'circle' | 'icon';
  fill?: (p: PointProps) => Rgba;
  radius?: (p: PointProps) => number;
  line?: (p: PointProps) => Rgba;
  lineWidth?: (p: PointProps) => number;
  icon?: (p: PointProps) => string;
  iconSize?: (p: PointProps) => number;
  iconAtlas?: unknown;
  iconMapping?: unknown;
  /** Changes whenever an accessor's output may change without the data changing (a replay time, a radius). */
  styleKey?: unknown;
}

export interface TiledPointLayerOptions {
  id: string;
  layer: LayerName;
  query: TileQuery;
  token: string | null;
  visible?: boolean;
  /** Points not to draw from the tiles: overridden by a live change, or filtered out in the client. */
  hidden: (p: PointProps) => boolean;
  /** Changes whenever `hidden` may answer differently (an override added, a filter changed). */
  hiddenKey: unknown;
  symbology: TileSymbology;
  pickable?: boolean;
  onHover?: (info: PickingInfo<Feature<Geometry, PointProps>>) => void;
  /** Called when every tile of the current view has loaded (the map is complete). */
  onViewportLoad?: () => void;
  /** Tiles of the region's extent only ([w, s, e, n]): no requests for empty tiles around it. */
  extent?: [number, number, number, number] | null;
}

/** Points carry no detail below this zoom that a screen could show; deeper views reuse (overzoom) these tiles. */
const MAX_TILE_ZOOM = 14;
const CLEAR: Rgba = [0, 0, 0, 0];

export function createTiledPointLayer(o: TiledPointLayerOptions) {
  const s = o.symbology;
  const shown = (f: TileFeature) => !o.hidden(f.properties);
  const triggers = [o.hiddenKey, s.styleKey];
  return new MVTLayer<PointProps>({
    id: o.id,
    data: tileTemplate(o.layer, o.query),
    visible: o.visible ?? true,
    minZoom: 0,
    maxZoom: MAX_TILE_ZOOM,
    extent: o.extent ?? undefined,
    uniqueIdProperty: 'id',
    loadOptions: {
      mvt: { workerUrl: mvtWorkerUrl },
      fetch: o.token ? { headers: { Authorization: `Bearer ${o.token}` } } : undefined,
    },
    // Keep the tiles of the view just left: drilling back up shows them at once.
    maxCacheSize: 256,
    // Sub-layer (GeoJsonLayer) props: points only.
    pointType: s.kind,
    filled: true,
    stroked: !!s.line,
    getFillColor: ((f: TileFeature) => (shown(f) && s.fill ? s.fill(f.properties) : CLEAR)) as never,
    getPointRadius: ((f: TileFeature) => (shown(f) && s.radius ? s.radius(f.properties) : 0)) as never,
    getLineColor: ((f: TileFeature) => (shown(f) && s.line ? s.line(f.properties) : CLEAR)) as never,
    getLineWidth: ((f: TileFeature) => (shown(f) && s.lineWidth ? s.lineWidth(f.properties) : 0)) as never,
    pointRadiusUnits: 'pixels',
    lineWidthUnits: 'pixels',
    getIcon: ((f: TileFeature) => (s.icon ? s.icon(f.properties) : '')) as never,
    getIconSize: ((f: TileFeature) => (shown(f) && s.iconSize ? s.iconSize(f.properties) : 0)) as never,
    iconAtlas: s.iconAtlas as never,
    iconMapping: s.iconMapping as never,
    iconSizeUnits: 'pixels',
    iconBillboard: true,
    pickable: o.pickable ?? false,
    autoHighlight: o.pickable ?? false,
    highlightColor: [255, 255, 255, 110],
    updateTriggers: {
      getFillColor: triggers,
      getPointRadius: triggers,
      getLineColor: triggers,
      getLineWidth: triggers,
      getIcon: triggers,
      getIconSize: triggers,
    },
    onHover: o.onHover as never,
    onViewportLoad: o.onViewportLoad ? () => o.onViewportLoad!() : undefined,
    // Flat map, no depth: points are drawn over the region fills regardless of the depth buffer.
    parameters: { depthCompare: 'always' },
  });
}

