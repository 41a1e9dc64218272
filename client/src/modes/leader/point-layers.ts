/**
 * How the leader map draws its points with MapLibre `circle` layers: the paint of a point layer (GeoJSON-loaded
 * or vector tiles alike), the filter that hides tile copies, and the selection ring. Plain specification values,
 * no map calls: PointLayers.svelte adds and updates the layers.
 *
 * MapLibre rather than deck.gl: the leader's first map then needs no second renderer. Under software WebGL
 * (SwiftShader, the wall PCs and this project's test machines) deck.gl's start-up and its own shader programs
 * cost seconds before the first full map (bench/RESULTS-leader.md).
 *
 * The look is deck's ScatterplotLayer's, which drew these points before: a status-coloured disc with a dark
 * outline; an overdue dispute larger, with a thicker white ring; a hovered point lightened. deck centres the
 * outline on the radius, MapLibre draws it outside: radii here are deck's minus half the outline.
 */
import type { CircleLayerSpecification, ExpressionSpecification, FilterSpecification } from 'maplibre-gl';
import { OPEN_DISPUTE_STATUSES, type LayerName } from '$contract/layers';
import { FILTER_ATTRIBUTE, type LayerFilter } from './layer-settings';
import { LAYER_SCALE, STATUS_COLORS, statusColor } from './point-style';

export const POINT_LAYER_ID_PREFIX = 'leader-points-';
/** Tiled layers get their own ids: the live overrides of the same layer are drawn by `leader-points-<layer>`. */
export const TILE_LAYER_ID_PREFIX = 'leader-tiles-';
export const SELECTION_LAYER_ID = 'leader-point-selection';

type CirclePaint = NonNullable<CircleLayerSpecification['paint']>;

const OUTLINE = 'rgba(8, 14, 26, 0.9)';
const OVERDUE_RING = '#ffffff';
const OUTLINE_WIDTH = 1;
const OVERDUE_WIDTH = 2.5;
const OVERDUE_SCALE = 1.35;
const SELECTION_COLOR = '#f2c14e';
const SELECTION_WIDTH = 3;
/** deck.gl's autoHighlight colour (white at 110/255) blended over the status colour. */
const HOVER_MIX = 110 / 255;

function lighten(hex: string, by: number): string {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).map((v) => Math.round(v + (255 - v) * by));
  return `rgb(${c.join(', ')})`;
}

const statusMatch = (layer: LayerName, color: (hex: string) => string): ExpressionSpecification => {
  const pairs = Object.entries(STATUS_COLORS[layer]).flatMap(([status, hex]) => [status, color(hex)]);
  // Every layer has statuses, so the match has the label/output pairs its type demands.
  return ['match', ['get', 'status'], ...pairs, color(statusColor(layer, ''))] as unknown as ExpressionSpecification;
};

/**
 * An open dispute past its deadline at `atIso` (point-style.ts `isOverdue`, as an expression). Deadlines come as
 * the server's ISO UTC text (`…T05:26:00.000Z`, as `Date.toISOString()` writes `atIso`), so text order is time
 * order. Other layers are never overdue, but their expression still reads the feature: every point layer then
 * binds the same data-driven paint properties, and MapLibre compiles one circle program for all of them instead
 * of one per combination (each costs up to a second in software WebGL).
 */
function overdue(layer: LayerName, atIso: string): ExpressionSpecification {
  if (layer !== 'disputes') return ['in', ['get', 'status'], ['literal', []]];
  const deadline: ExpressionSpecification = ['get', 'deadline'];
  return ['all', ['in', ['get', 'status'], ['literal', [...OPEN_DISPUTE_STATUSES]]], ['==', ['typeof', deadline], 'string'], ['<', ['to-string', deadline], atIso]];
}

/** Paint of a point layer, GeoJSON or tiles: `radius` is the level's marker radius, `atIso` when overdue is judged. */
export function pointPaint(layer: LayerName, radius: number, atIso: string): CirclePaint {
  const r = radius * LAYER_SCALE[layer];
  const late = overdue(layer, atIso);
  const hovered: ExpressionSpecification = ['boolean', ['feature-state', 'hover'], false];
  return {
    'circle-color': ['case', hovered, statusMatch(layer, (hex) => lighten(hex, HOVER_MIX)), statusMatch(layer, (hex) => hex)],
    'circle-radius': ['case', late, r * OVERDUE_SCALE - OVERDUE_WIDTH / 2, r - OUTLINE_WIDTH / 2],
    'circle-stroke-color': ['case', late, OVERDUE_RING, OUTLINE],
    'circle-stroke-width': ['case', late, OVERDUE_WIDTH, OUTLINE_WIDTH],
  };
}

/**
 * What a tiled layer must not draw from its tiles: points changed live (drawn from the GeoJSON layer above it)
 * and points outside the layer's attribute filter (the status filter is the tile query's, applied by the server).
 */
export function tileFilter(layer: LayerName, overridden: ReadonlySet<string> | undefined, filter: LayerFilter): FilterSpecification | null {
  const parts: ExpressionSpecification[] = [];
  if (overridden?.size) parts.push(['!', ['in', ['get', 'id'], ['literal', [...overridden]]]]);
  if (filter.values) parts.push(['in', ['to-string', ['get', FILTER_ATTRIBUTE[layer].prop]], ['literal', filter.values]]);
  return parts.length ? ['all', ...parts] : null;
}

/** A gold ring around the selected point, drawn even when its layer is hidden (a search hit, a list click). */
export function selectionLayer(source: string, radius: number): CircleLayerSpecification {
  return {
    id: SELECTION_LAYER_ID,
    type: 'circle',
    source,
    paint: selectionPaint(radius),
  };
}

export function selectionPaint(radius: number): CirclePaint {
  return {
    'circle-color': 'rgba(0, 0, 0, 0)',
    'circle-radius': radius + 7 - SELECTION_WIDTH / 2,
    'circle-stroke-color': SELECTION_COLOR,
    'circle-stroke-width': SELECTION_WIDTH,
  };
}
