/**
 * deck.gl layer factories for the leader map's points: one ScatterplotLayer per point layer, and a ring around
 * the point whose detail is open. Factories, not components: deck layers are cheap immutable descriptions,
 * diffed by `id` against the previous instance, so building new ones on every change is the intended use. Ids
 * are stable (`leader-points-<layer>`), and `data` is the state's array itself, so an unchanged layer is not
 * re-uploaded.
 *
 * Circles rather than icons: the wall's symbol atlas (lib/map/deck/point-symbols.ts) was written at the same
 * time and could replace these once both modes settle on one legend.
 */
import { ScatterplotLayer } from '@deck.gl/layers';
import type { PickingInfo } from '@deck.gl/core';
import type { LayerName } from '$contract/layers';
import { hexToRgba, isOverdue, LAYER_SCALE, statusColor, type Rgba } from '../point-style';
import type { MapPoint } from '../state/points.svelte';
import type { PointProps } from '../../../lib/api/points';
import { createTiledPointLayer, pickedTilePoint, type TileQuery } from '../../../lib/map/deck/tile-points';

export const POINT_LAYER_ID_PREFIX = 'leader-points-';
/** Tiled layers get their own ids: the live overrides of the same layer are drawn by `leader-points-<layer>`. */
export const TILE_LAYER_ID_PREFIX = 'leader-tiles-';

const OUTLINE: Rgba = [8, 14, 26, 230];
const OVERDUE_RING: Rgba = [255, 255, 255, 255];

export interface PointLayerOptions {
  radius: number;
  /** The time statuses are judged at (ms): now, or the replay time. Overdue depends on it. */
  at: number;
  onHover: (point: MapPoint | null, x: number, y: number) => void;
}

/** The same symbology over a point's properties: shared by the GeoJSON and the tile path. */
function symbology(layer: LayerName, o: Pick<PointLayerOptions, 'radius' | 'at'>) {
  const radius = o.radius * LAYER_SCALE[layer];
  return {
    radius,
    fill: (p: PointProps) => hexToRgba(statusColor(layer, p.status)),
    line: (p: PointProps) => (isOverdue(layer, p, o.at) ? OVERDUE_RING : OUTLINE),
    lineWidth: (p: PointProps) => (isOverdue(layer, p, o.at) ? 2.5 : 1),
    size: (p: PointProps) => (isOverdue(layer, p, o.at) ? radius * 1.35 : radius),
  };
}

export interface TiledLayerOptions extends PointLayerOptions {
  query: TileQuery;
  token: string | null;
  hidden: (p: PointProps) => boolean;
  hiddenKey: unknown;
  extent: [number, number, number, number] | null;
  onLoaded: () => void;
}

/** A layer too large for one GeoJSON load, drawn from vector tiles with the same look as createPointLayer. */
export function createTiledLayer(layer: LayerName, o: TiledLayerOptions) {
  const sym = symbology(layer, o);
  return createTiledPointLayer({
    id: TILE_LAYER_ID_PREFIX + layer,
    layer,
    query: o.query,
    token: o.token,
    hidden: o.hidden,
    hiddenKey: o.hiddenKey,
    extent: o.extent,
    symbology: { kind: 'circle', fill: sym.fill, line: sym.line, lineWidth: sym.lineWidth, radius: sym.size, styleKey: [o.at, sym.radius] },
    pickable: true,
    onHover: (info) => {
      const hit = pickedTilePoint(info.object);
      o.onHover(hit ? { id: hit.props.id, layer, position: hit.position, props: hit.props } : null, info.x, info.y);
    },
    onViewportLoad: o.onLoaded,
  });
}

export function createPointLayer(layer: LayerName, data: readonly MapPoint[], o: PointLayerOptions): ScatterplotLayer<MapPoint> {
  const radius = o.radius * LAYER_SCALE[layer];
  return new ScatterplotLayer<MapPoint>({
    id: POINT_LAYER_ID_PREFIX + layer,
    data: data as MapPoint[],
    getPosition: (d) => d.position,
    getFillColor: (d) => hexToRgba(statusColor(layer, d.props.status)),
    getLineColor: (d) => (isOverdue(layer, d.props, o.at) ? OVERDUE_RING : OUTLINE),
    getLineWidth: (d) => (isOverdue(layer, d.props, o.at) ? 2.5 : 1),
    getRadius: (d) => (isOverdue(layer, d.props, o.at) ? radius * 1.35 : radius),
    stroked: true,
    filled: true,
    radiusUnits: 'pixels',
    lineWidthUnits: 'pixels',
    radiusMinPixels: 2,
    pickable: true,
    autoHighlight: true,
    highlightColor: [255, 255, 255, 110],
    // Overdue is judged at `at`: the accessors' output changes with it even when the data does not.
    updateTriggers: { getLineColor: o.at, getLineWidth: o.at, getRadius: [o.at, radius] },
    // Flat map, no depth: points are drawn over the region fills regardless of the depth buffer.
    parameters: { depthCompare: 'always' },
    // Clicks are picked from MapLibre's click event (lib/map/deck/pick.ts explains why), not with onClick.
    onHover: (info: PickingInfo<MapPoint>) => o.onHover(info.object ?? null, info.x, info.y),
  });
}

/** A gold ring around the selected point, drawn even when its layer is hidden (a search hit, a list click). */
export function createSelectionLayer(position: [number, number] | null, radius: number): ScatterplotLayer<{ position: [number, number] }> {
  return new ScatterplotLayer<{ position: [number, number] }>({
    id: 'leader-point-selection',
    data: position ? [{ position }] : [],
    getPosition: (d) => d.position,
    getRadius: radius + 7,
    radiusUnits: 'pixels',
    filled: false,
    stroked: true,
    getLineColor: [242, 193, 78, 255],
    getLineWidth: 3,
    lineWidthUnits: 'pixels',
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}
