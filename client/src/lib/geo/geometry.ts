/**
 * Small planar geometry helpers for label placement and camera fitting. Regions span a few kilometres, so
 * treating lon/lat as planar is accurate enough here (the label only has to land well inside the polygon).
 */
import type { MultiPolygon, Polygon, Position } from 'geojson';

export type LngLat = [number, number];
/** [west, south, east, north] */
export type BBox = [number, number, number, number];

type Ring = Position[];

export function bboxOf(geometries: Iterable<Polygon | MultiPolygon>): BBox | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  for (const g of geometries) {
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    for (const poly of polys) {
      // The outer ring bounds the polygon; holes cannot extend it.
      for (const [x, y] of poly[0] ?? []) {
        if (x < w) w = x;
        if (x > e) e = x;
        if (y < s) s = y;
        if (y > n) n = y;
      }
    }
  }
  return w <= e && s <= n ? [w, s, e, n] : null;
}

function ringArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return Math.abs(sum / 2);
}

function polygonArea(poly: Ring[]): number {
  return poly.reduce((a, ring, i) => (i === 0 ? a + ringArea(ring) : a - ringArea(ring)), 0);
}

/** Signed distance from a point to the polygon outline: positive inside, negative outside. */
function signedDistance(x: number, y: number, poly: Ring[]): number {
  let inside = false;
  let minSq = Infinity;
  for (const ring of poly) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[j];
      if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) inside = !inside;
      minSq = Math.min(minSq, segmentDistanceSq(x, y, ax, ay, bx, by));
    }
  }
  return (inside ? 1 : -1) * Math.sqrt(minSq);
}

function segmentDistanceSq(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  let x = ax, y = ay;
  let dx = bx - x, dy = by - y;
  if (dx !== 0 || dy !== 0) {
    const t = ((px - x) * dx + (py - y) * dy) / (dx * dx + dy * dy);
    if (t > 1) {
      x = bx;
      y = by;
    } else if (t > 0) {
      x += dx * t;
      y += dy * t;
    }
  }
  dx = px - x;
  dy = py - y;
  return dx * dx + dy * dy;
}

interface Cell {
  x: number;
  y: number;
  h: number;
  d: number;
  max: number;
}

function cell(x: number, y: number, h: number, poly: Ring[]): Cell {
  const d = signedDistance(x, y, poly);
  return { x, y, h, d, max: d + h * Math.SQRT2 };
}

/**
 * Pole of inaccessibility (the "polylabel" algorithm, Agafonkin 2016): the interior point farthest from the
 * outline. Centroids of the concave Voronoi-like region shapes often fall outside them or hug an edge, which
 * puts a label over a neighbour; this point cannot.
 */
function poleOfInaccessibility(poly: Ring[], precision: number): LngLat {
  const outer = poly[0];
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of outer) {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  }
  const size = Math.min(maxX - minX, maxY - minY);
  if (size === 0) return [minX, minY];
  const h = size / 2;

  // A plain array kept sorted by `max` is fine: regions have at most a few hundred vertices.
  const queue: Cell[] = [];
  for (let x = minX; x < maxX; x += size) for (let y = minY; y < maxY; y += size) queue.push(cell(x + h, y + h, h, poly));

  let best = cell((minX + maxX) / 2, (minY + maxY) / 2, 0, poly);
  for (let guard = 0; queue.length && guard < 10_000; guard++) {
    queue.sort((a, b) => a.max - b.max);
    const c = queue.pop()!;
    if (c.d > best.d) best = c;
    if (c.max - best.d <= precision) continue;
    const hh = c.h / 2;
    queue.push(cell(c.x - hh, c.y - hh, hh, poly), cell(c.x + hh, c.y - hh, hh, poly), cell(c.x - hh, c.y + hh, hh, poly), cell(c.x + hh, c.y + hh, hh, poly));
  }
  return [best.x, best.y];
}

/** Where to put a region's label: inside its largest part, as far from the edges as possible. */
export function labelPoint(geometry: Polygon | MultiPolygon): LngLat | null {
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  let largest: Ring[] | null = null;
  let largestArea = -1;
  for (const p of polys) {
    const a = p.length ? polygonArea(p) : 0;
    if (a > largestArea) {
      largest = p;
      largestArea = a;
    }
  }
  if (!largest || !largest[0]?.length) return null;
  const [w, s, e, n] = bboxOf([{ type: 'Polygon', coordinates: largest }])!;
  // 1/200 of the part's size: sub-pixel at any zoom the region is viewed at.
  return poleOfInaccessibility(largest, Math.max(e - w, n - s) / 200);
}
