/**
 * The default basemap: a style built in code from nothing but a background colour. Every other layer comes from
 * our own boundaries (NeighbourDistricts for the districts around 金水区, RegionFill, RegionContext, deck.gl
 * labels), so the map works on a network with no internet.
 *
 * Deliberately no `glyphs` and no `sprite`: either would make MapLibre fetch PBF fonts / sprite sheets from a
 * URL. Region labels are drawn by deck.gl's TextLayer from the browser's own CJK fonts instead.
 */
import type { Map as MaplibreMap, StyleSpecification } from 'maplibre-gl';

export const MAP_COLORS = {
  background: '#0a1220',
  contextFill: '#111c2e',
  contextLine: '#2b3b55',
  childLine: '#0a1220',
  hoverLine: '#f8fafc',
  selfLine: '#f2c14e',
  selfFill: '#f2c14e',
  /** The neighbouring districts: scenery just off the background, quieter than any region of ours. */
  neighbourFill: '#0e1829',
  neighbourLine: '#33445f',
} as const;

/**
 * Invisible marker layers that fix the z-order of layers added later by independent components:
 * a component inserts its layers *before* its anchor, so mount order does not matter. `basemap` is the lowest:
 * scenery of the offline basemap (the neighbouring districts) under every region. `coverage` holds deck.gl
 * layers drawn under the points (`beforeId`); `points` the leader's point layers. deck.gl layers without a
 * `beforeId` go last, i.e. above `points`.
 */
export const ANCHORS = {
  basemap: 'anchor-basemap',
  context: 'anchor-context',
  regions: 'anchor-regions',
  overlays: 'anchor-overlays',
  labels: 'anchor-labels',
  coverage: 'anchor-coverage',
  points: 'anchor-points',
} as const;

const anchorLayers = Object.values(ANCHORS).map((id) => ({ id, type: 'background' as const, layout: { visibility: 'none' as const } }));

export function buildOfflineStyle(): StyleSpecification {
  return {
    version: 8,
    name: 'jinshui-offline',
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': MAP_COLORS.background } }, ...anchorLayers],
  };
}

/** A configured remote basemap (BASEMAP_STYLE_URL) does not know our anchors: append them on top of it. */
export function ensureAnchors(map: MaplibreMap): void {
  for (const layer of anchorLayers) if (!map.getLayer(layer.id)) map.addLayer(layer);
}
