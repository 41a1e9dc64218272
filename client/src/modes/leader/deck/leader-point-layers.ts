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

export const POINT_LAYER_ID_PREFIX = 'leader-points-';

const OUTLINE: Rgba = [8, 14, 26, 230];
const OVERDUE_RING: Rgba = [255, 255, 255, 255];

export interface PointLayerOptions {
  radius: number;
  /** The time statuses are judged at (ms): now, or the replay time. Overdue depends on it. */
  at: number;
  onHover: (point: MapPoint | null, x: number, y: number) => void;
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
