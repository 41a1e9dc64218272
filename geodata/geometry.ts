/**
 * Small planar helpers for the generator. Everything works on raw GeoJSON coordinate arrays in EPSG:4326
 * degrees; the sample spans 0.2°, so planar maths in degrees (with a cos(latitude) factor where metres matter)
 * is accurate to well under a percent, which is all a synthetic sample needs. Exact areas for the tests come
 * from turf's geodesic `area`.
 */
import { booleanPointInPolygon } from '@turf/turf';
import type { MultiPolygon, Position } from 'geojson';
import type { Rng } from './rng.js';

export type Ring = Position[];
/** Coordinates of one MultiPolygon: polygons → rings → positions. */
export type MultiCoords = Ring[][];
export type BBox = [number, number, number, number];

/** 6 decimals ≈ 0.1 m: finer than any boundary anyone will draw, and keeps the committed files small. */
export const PRECISION = 1e6;
export const round6 = (v: number): number => Math.round(v * PRECISION) / PRECISION;

/** Metres per degree around Jinshui (34.83° N); good to ~0.3 % across the district. */
const LAT0 = 34.83;
export const M_PER_DEG_LAT = 110_950;
export const M_PER_DEG_LON = 111_320 * Math.cos((LAT0 * Math.PI) / 180);

/** Pieces smaller than this after rounding are floating-point debris of the clipping, not geography. */
const MIN_PIECE_M2 = 1;

/** Shoelace area in degrees², positive for counter-clockwise rings (RFC 7946 exterior orientation). */
export function signedArea(ring: Ring): number {
  let s = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % n];
    s += x1 * y2 - x2 * y1;
  }
  return s / 2;
}

export const degToM2 = (a: number): number => a * M_PER_DEG_LAT * M_PER_DEG_LON;

/** Planar area of a MultiPolygon in m² (exteriors minus holes). */
export function areaM2(mp: MultiCoords): number {
  let a = 0;
  for (const poly of mp) poly.forEach((ring, i) => (a += (i === 0 ? 1 : -1) * Math.abs(signedArea(ring))));
  return degToM2(a);
}

/**
 * Rounds a ring to the output precision and repairs what rounding can break: consecutive duplicates,
 * back-and-forth spikes (A, B, A) and the closing position. Returns an open ring, or null when fewer than
 * three distinct vertices remain.
 */
function roundRing(ring: Ring): Ring | null {
  const pts: Ring = [];
  for (const p of ring) {
    const q = [round6(p[0]), round6(p[1])];
    const last = pts[pts.length - 1];
    if (!last || last[0] !== q[0] || last[1] !== q[1]) pts.push(q);
  }
  // Drop the closing position (and any run of repeats of the first vertex at the end).
  while (pts.length > 1 && samePos(pts[0], pts[pts.length - 1])) pts.pop();
  // Remove spikes until none are left: a vertex whose neighbours coincide adds a zero-width tooth.
  let changed = true;
  while (changed && pts.length >= 3) {
    changed = false;
    for (let i = 0; i < pts.length && pts.length >= 3; i++) {
      const prev = pts[(i - 1 + pts.length) % pts.length];
      const next = pts[(i + 1) % pts.length];
      if (samePos(prev, next)) {
        // Remove the tip and one copy of the repeated neighbour.
        const j = (i + 1) % pts.length;
        pts.splice(Math.max(i, j), 1);
        pts.splice(Math.min(i, j), 1);
        changed = true;
      }
    }
  }
  return pts.length >= 3 ? pts : null;
}

const samePos = (a: Position, b: Position): boolean => a[0] === b[0] && a[1] === b[1];

const closeRing = (open: Ring): Ring => [...open, [open[0][0], open[0][1]]];

/**
 * Turns the output of a clip (Polygon or MultiPolygon coordinates) into clean MultiPolygon coordinates:
 * rounded, closed rings of ≥ 4 positions, exteriors counter-clockwise and holes clockwise (RFC 7946), and
 * debris pieces below 1 m² dropped. Real pieces, however small, are kept: dropping them would leave a gap.
 */
export function toMultiPolygon(coords: Ring[] | MultiCoords): { coords: MultiCoords; dropped: number } {
  const polys = (isMulti(coords) ? coords : [coords]) as MultiCoords;
  const out: MultiCoords = [];
  let dropped = 0;
  for (const poly of polys) {
    const rings: Ring[] = [];
    poly.forEach((ring, i) => {
      const open = roundRing(ring);
      if (!open || (i === 0 && degToM2(Math.abs(signedArea(open))) < MIN_PIECE_M2)) return;
      if (i > 0 && rings.length === 0) return; // a hole whose exterior was dropped
      const ccw = signedArea(open) > 0;
      if ((i === 0) !== ccw) open.reverse();
      rings.push(closeRing(open));
    });
    if (rings.length > 0) out.push(rings);
    else dropped++;
  }
  return { coords: out, dropped };
}

const isMulti = (c: Ring[] | MultiCoords): c is MultiCoords => Array.isArray(c[0]?.[0]?.[0]);

export const multiPolygon = (coords: MultiCoords): MultiPolygon => ({ type: 'MultiPolygon', coordinates: coords });

export function bboxOf(mp: MultiCoords): BBox {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const poly of mp)
    for (const [x, y] of poly[0]) {
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x > x1) x1 = x;
      if (y > y1) y1 = y;
    }
  return [x0, y0, x1, y1];
}

/** Area-weighted centroid of a set of (possibly degenerate-bridged) rings; null for zero area. */
export function centroidOfRings(rings: Ring[]): { c: Position; area: number } | null {
  let a = 0;
  let cx = 0;
  let cy = 0;
  for (const ring of rings) {
    for (let i = 0, n = ring.length; i < n; i++) {
      const [x1, y1] = ring[i];
      const [x2, y2] = ring[(i + 1) % n];
      const cross = x1 * y2 - x2 * y1;
      a += cross;
      cx += (x1 + x2) * cross;
      cy += (y1 + y2) * cross;
    }
  }
  if (Math.abs(a) < 1e-14) return null;
  return { c: [cx / (3 * a), cy / (3 * a)], area: Math.abs(a / 2) };
}

/**
 * Sutherland–Hodgman clip of any simple ring by a convex ring. Used only for Lloyd relaxation: when the
 * subject is concave the result may contain zero-width bridges between its pieces, which is wrong as
 * topology but exact for area and centroid — and ~50× faster than a general polygon clip.
 */
export function clipByConvex(subject: Ring, convex: Ring): Ring {
  const clip = openRing(convex);
  const orient = signedArea(clip) > 0 ? 1 : -1;
  let out = openRing(subject);
  for (let i = 0; i < clip.length && out.length > 0; i++) {
    const a = clip[i];
    const b = clip[(i + 1) % clip.length];
    const side = (p: Position) => orient * ((b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]));
    const input = out;
    out = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j];
      const q = input[(j + 1) % input.length];
      const sp = side(p);
      const sq = side(q);
      if (sp >= 0) out.push(p);
      if ((sp >= 0) !== (sq >= 0)) {
        const t = sp / (sp - sq);
        out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
  }
  return out;
}

/**
 * Whether a Sutherland–Hodgman result joins pieces with a zero-width bridge: two of its edges run along the
 * same edge of the convex clip ring in overlapping stretches. A true single piece never has that (it would
 * touch itself). Checked on the unrounded output, where the bridge edges lie on the clip line up to float
 * error; after rounding they may miss each other by a micro-degree and look simple while the bridge still
 * spans a bay of the parent.
 */
export function hasBridge(clipped: Ring, convex: Ring): boolean {
  const clip = openRing(convex);
  const n = clipped.length;
  for (let i = 0; i < clip.length; i++) {
    const a = clip[i];
    const b = clip[(i + 1) % clip.length];
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len2 = dx * dx + dy * dy;
    if (len2 === 0) continue;
    const len = Math.sqrt(len2);
    const onLine = (p: Position) => Math.abs(dx * (p[1] - a[1]) - dy * (p[0] - a[0])) / len < 1e-9;
    const t = (p: Position) => (dx * (p[0] - a[0]) + dy * (p[1] - a[1])) / len2;
    const spans: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      const p = clipped[j];
      const q = clipped[(j + 1) % n];
      if (!onLine(p) || !onLine(q)) continue;
      const [t0, t1] = [t(p), t(q)].sort((u, v) => u - v);
      if (t1 - t0 > 1e-9) spans.push([t0, t1]);
    }
    spans.sort((u, v) => u[0] - v[0]);
    for (let k = 1; k < spans.length; k++) if (spans[k][0] < spans[k - 1][1] - 1e-9) return true;
  }
  return false;
}

export const openRing = (ring: Ring): Ring => (ring.length > 1 && samePos(ring[0], ring[ring.length - 1]) ? ring.slice(0, -1) : ring);

export function insideMulti(p: Position, mp: MultiCoords): boolean {
  return booleanPointInPolygon(p, multiPolygon(mp));
}

/**
 * A uniformly random point inside `mp` (rejection sampling in its bbox), rounded to the output precision,
 * that is at least `marginM` metres inside along both axes — so rounding, and the ~0.1 m seams between
 * neighbouring regions, can never put it in a neighbour. Falls back to smaller margins for tiny regions.
 */
export function randomPointInside(mp: MultiCoords, rng: Rng, marginM = 2, bbox = bboxOf(mp)): Position {
  const geom = multiPolygon(mp);
  for (const margin of [marginM, marginM / 4, 0]) {
    const dx = margin / M_PER_DEG_LON;
    const dy = margin / M_PER_DEG_LAT;
    for (let attempt = 0; attempt < 200; attempt++) {
      const p = [round6(rng.float(bbox[0], bbox[2])), round6(rng.float(bbox[1], bbox[3]))];
      if (!booleanPointInPolygon(p, geom, { ignoreBoundary: true })) continue;
      if (margin === 0) return p;
      const probes = [
        [p[0] + dx, p[1]],
        [p[0] - dx, p[1]],
        [p[0], p[1] + dy],
        [p[0], p[1] - dy],
      ];
      if (probes.every((q) => booleanPointInPolygon(q, geom, { ignoreBoundary: true }))) return p;
    }
  }
  throw new Error('no point found inside a region: is it degenerate?');
}

/**
 * Whether a closed ring of rounded coordinates is simple: no two non-adjacent edges touch, and no two
 * adjacent edges fold back onto each other. Works on integer micro-degrees, so the tests are exact.
 */
export function isSimpleRing(ring: Ring): boolean {
  const pts = openRing(ring).map(([x, y]) => [Math.round(x * PRECISION), Math.round(y * PRECISION)]);
  const n = pts.length;
  if (n < 3) return false;
  const seg = (i: number) => [pts[i], pts[(i + 1) % n]] as const;
  for (let i = 0; i < n; i++) {
    const [a, b] = seg(i);
    // Adjacent edge: a fold (spike) is a collinear turn back.
    const c = pts[(i + 2) % n];
    if (orient(a, b, c) === 0 && dot(a, b, c) > 0) return false;
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // adjacent through the closing vertex
      const [p, q] = seg(j);
      if (segmentsTouch(a, b, p, q)) return false;
    }
  }
  return true;
}

const orient = (a: number[], b: number[], c: number[]): number =>
  Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));

/** (a − b)·(c − b) > 0 means the path a → b → c turns back by less than 90°; with orient 0 it is a fold. */
const dot = (a: number[], b: number[], c: number[]): number => (a[0] - b[0]) * (c[0] - b[0]) + (a[1] - b[1]) * (c[1] - b[1]);

const onSegment = (a: number[], b: number[], p: number[]): boolean =>
  Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);

function segmentsTouch(a: number[], b: number[], p: number[], q: number[]): boolean {
  const o1 = orient(a, b, p);
  const o2 = orient(a, b, q);
  const o3 = orient(p, q, a);
  const o4 = orient(p, q, b);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(a, b, p)) ||
    (o2 === 0 && onSegment(a, b, q)) ||
    (o3 === 0 && onSegment(p, q, a)) ||
    (o4 === 0 && onSegment(p, q, b))
  );
}
