/**
 * Dispute hot spots (矛盾纠纷热点): disputes reported in a recent window, binned into hexagons. Only bins with at
 * least HOTSPOT_MIN cases are drawn, so the layer marks hot spots instead of tinting the whole district (a
 * percentile cut does not work here: most bins hold one or two cases, so the percentile is itself 1 or 2).
 * CPU aggregation: a few hundred points bin in well under a millisecond, and it needs no float render
 * targets (software WebGL on the test machine and some wall PCs lacks them).
 */
import { HexagonLayer } from '@deck.gl/aggregation-layers';
import type { Color } from '@deck.gl/core';
import type { MapPoint } from '../../state/points.svelte';

/** Orange → deep red; the last class is the hottest. Drawn at HOTSPOT_OPACITY over the choropleth. */
export const HOTSPOT_COLORS: Color[] = [
  [253, 141, 60],
  [246, 96, 48],
  [232, 56, 44],
  [200, 24, 48],
  [160, 0, 60],
];
export const HOTSPOT_OPACITY = 0.55;

/** Hexagon radius in metres: about a residential block cluster at district zoom. */
export const HOTSPOT_RADIUS_M = 450;
/** Fewest cases in a bin that make it a hot spot; the colour ramp spans HOTSPOT_MIN … HOTSPOT_MIN + 6. */
export const HOTSPOT_MIN = 4;

export function createHotspotLayer(points: readonly MapPoint[], visible: boolean) {
  return new HexagonLayer<MapPoint>({
    id: 'disputes-hotspots',
    data: points as MapPoint[],
    visible,
    gpuAggregation: false,
    getPosition: (p) => p.position,
    radius: HOTSPOT_RADIUS_M,
    coverage: 0.86,
    extruded: false,
    colorRange: HOTSPOT_COLORS,
    colorScaleType: 'quantize',
    // NaN hides a bin (the cell shader skips it).
    getColorValue: (points) => (points.length >= HOTSPOT_MIN ? points.length : NaN),
    colorDomain: [HOTSPOT_MIN, HOTSPOT_MIN + 6],
    opacity: HOTSPOT_OPACITY,
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}
