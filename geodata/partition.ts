/**
 * Splits a region into `count` gap-free, non-overlapping children: Voronoi cells of seed points inside the
 * parent, a few rounds of Lloyd relaxation so the cells look like city blocks rather than shards, then each
 * cell clipped to the parent. Because the Voronoi cells tile the parent's whole bbox, the clipped cells cover
 * the parent exactly (up to the 0.1 m output rounding), whatever its shape.
 */
import { featureCollection, intersect, point, polygon, voronoi } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';
import {
  bboxOf,
  centroidOfRings,
  clipByConvex,
  hasBridge,
  insideMulti,
  isSimpleRing,
  multiPolygon,
  randomPointInside,
  toMultiPolygon,
  type BBox,
  type MultiCoords,
  type Ring,
} from './geometry.js';
import type { Rng } from './rng.js';

export interface PartitionOptions {
  count: number;
  rng: Rng;
  /** Lloyd iterations before the final cut. */
  rounds: number;
  /** Fixed starting seeds (e.g. where the real streets are); random points inside the parent otherwise. */
  anchors?: Position[];
  /**
   * How far each round moves a seed towards its cell's centroid: 1 = classic Lloyd (cells converge to equal
   * size); less keeps the cells near their anchors and lets their sizes differ, like real streets do.
   */
  step?: number;
}

export interface PartitionResult {
  /** Child geometries, in the order of the seeds. */
  cells: MultiCoords[];
  /** The final seed of each cell (inside the cell; handy for labelling and ordering). */
  seeds: Position[];
  /** Debris pieces (< 1 m²) dropped after rounding, for the generator's report. */
  dropped: number;
}

export function partition(parent: MultiCoords, opts: PartitionOptions): PartitionResult {
  const bbox = padded(bboxOf(parent));
  let seeds = opts.anchors ? opts.anchors.map((p) => [...p]) : randomSeeds(parent, opts.count, opts.rng);
  if (seeds.length !== opts.count) throw new Error(`expected ${opts.count} anchors, got ${seeds.length}`);

  for (let r = 0; r < opts.rounds; r++) seeds = relax(parent, seeds, bbox, opts.step ?? 1);

  let dropped = 0;
  const cells = voronoiCells(seeds, bbox).map((cell, i) => {
    const { coords, dropped: d } = clipCell(parent, cell);
    dropped += d;
    if (coords.length === 0) throw new Error(`empty cell ${i}: seed ${seeds[i]} is outside its parent`);
    return coords;
  });
  return { cells, seeds, dropped };
}

/**
 * The cell ∩ parent. Fast path: Sutherland–Hodgman per parent polygon, accepted when every resulting ring is
 * simple — then it is exactly the intersection. When the parent is concave across the cell, S–H joins the
 * pieces with zero-width bridges (found by `hasBridge`, or as a non-simple ring); then polyclip (inside
 * turf.intersect) does the exact cut.
 * Either way a piece of the cell cut off by a bay of the parent stays part of the cell: dropping it would leave
 * a hole in the parent.
 */
function clipCell(parent: MultiCoords, cell: Ring): ReturnType<typeof toMultiPolygon> {
  const pieces = parent.map((poly) => clipByConvex(poly[0], cell)).filter((r) => r.length >= 3);
  const fast = toMultiPolygon(pieces.map((r) => [[...r, r[0]]]));
  if (!pieces.some((r) => hasBridge(r, cell)) && fast.coords.every((poly) => isSimpleRing(poly[0]))) return fast;
  const parentFeature: Feature<MultiPolygon> = { type: 'Feature', properties: {}, geometry: multiPolygon(parent) };
  const exact = intersect(featureCollection<Polygon | MultiPolygon>([polygon([cell]), parentFeature]));
  return exact ? toMultiPolygon(exact.geometry.coordinates) : { coords: [], dropped: 0 };
}

/** The Voronoi extent must strictly contain every seed, and a margin keeps d3 away from edge cases. */
function padded([x0, y0, x1, y1]: BBox): BBox {
  const m = 1e-4;
  return [x0 - m, y0 - m, x1 + m, y1 + m];
}

/** Uniform random distinct seeds inside the parent, kept a little away from its edges. */
function randomSeeds(parent: MultiCoords, count: number, rng: Rng): Position[] {
  const seen = new Set<string>();
  const seeds: Position[] = [];
  while (seeds.length < count) {
    const p = randomPointInside(parent, rng, 5);
    const key = p.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    seeds.push(p);
  }
  return seeds;
}

function voronoiCells(seeds: Position[], bbox: BBox): Ring[] {
  const fc = voronoi(featureCollection(seeds.map((p) => point(p))), { bbox });
  return fc.features.map((f, i) => {
    if (!f?.geometry) throw new Error(`no Voronoi cell for seed ${i} (duplicate seed?)`);
    return f.geometry.coordinates[0];
  });
}

/**
 * One Lloyd round: move each seed towards the centroid of its cell within the parent. A centroid can fall
 * outside a concave parent; such a seed stays put, so every seed stays inside and no cell can come out empty.
 */
function relax(parent: MultiCoords, seeds: Position[], bbox: BBox, step: number): Position[] {
  const cells = voronoiCells(seeds, bbox);
  return seeds.map((seed, i) => {
    const pieces = parent.map((poly) => clipByConvex(poly[0], cells[i])).filter((r) => r.length >= 3);
    const centroid = centroidOfRings(pieces);
    if (!centroid) return seed;
    const moved = [seed[0] + step * (centroid.c[0] - seed[0]), seed[1] + step * (centroid.c[1] - seed[1])];
    return insideMulti(moved, parent) ? moved : seed;
  });
}
