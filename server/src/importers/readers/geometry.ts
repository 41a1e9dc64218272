/**
 * Shape checks shared by the readers: a geometry read from a file becomes a record only when its structure is
 * GeoJSON (numeric positions, closed rings) and, after conversion, every position is a longitude/latitude.
 * Topology (a self-intersecting "bow-tie" polygon) is left to PostGIS (ST_IsValid / ST_IsValidReason) in the
 * import service, which judges it exactly as the database constraint will.
 */
import type { CrsConversion } from '../crs.js';
import type { SourceRecord } from '../source.js';

const GEOMETRY_TYPES = new Set([
  'Point',
  'MultiPoint',
  'LineString',
  'MultiLineString',
  'Polygon',
  'MultiPolygon',
  'GeometryCollection',
]);

function checkPosition(p: unknown): string | undefined {
  if (!Array.isArray(p) || p.length < 2) return 'a position is not [x, y]';
  for (const v of p.slice(0, 2)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `coordinate ${JSON.stringify(v)} is not a finite number`;
  }
  return undefined;
}

function checkPositions(ps: unknown, min: number, what: string): string | undefined {
  if (!Array.isArray(ps)) return `${what} is not an array of positions`;
  if (ps.length < min) return `${what} has ${ps.length} positions (at least ${min} needed)`;
  for (const p of ps) {
    const e = checkPosition(p);
    if (e) return e;
  }
  return undefined;
}

function checkRing(r: unknown): string | undefined {
  const e = checkPositions(r, 4, 'a polygon ring');
  if (e) return e;
  const ring = r as number[][];
  const [a, b] = [ring[0], ring[ring.length - 1]];
  if (a[0] !== b[0] || a[1] !== b[1]) return 'a polygon ring is not closed (first and last positions differ)';
  return undefined;
}

function checkPolygon(rings: unknown): string | undefined {
  if (!Array.isArray(rings) || rings.length === 0) return 'a polygon has no rings';
  for (const r of rings) {
    const e = checkRing(r);
    if (e) return e;
  }
  return undefined;
}

function checkArray(items: unknown, each: (x: unknown) => string | undefined, what: string): string | undefined {
  if (!Array.isArray(items) || items.length === 0) return `${what} is empty`;
  for (const x of items) {
    const e = each(x);
    if (e) return e;
  }
  return undefined;
}

/** Why a value is not a usable GeoJSON geometry (structure and finite numbers), or undefined when it is. */
export function structureError(g: unknown): string | undefined {
  if (g === null || typeof g !== 'object') return 'no geometry';
  const { type, coordinates, geometries } = g as { type?: unknown; coordinates?: unknown; geometries?: unknown };
  if (typeof type !== 'string' || !GEOMETRY_TYPES.has(type)) return `unknown geometry type ${JSON.stringify(type)}`;
  switch (type) {
    case 'Point':
      return checkPosition(coordinates);
    case 'MultiPoint':
      return checkArray(coordinates, checkPosition, 'a MultiPoint');
    case 'LineString':
      return checkPositions(coordinates, 2, 'a line');
    case 'MultiLineString':
      return checkArray(coordinates, (l) => checkPositions(l, 2, 'a line'), 'a MultiLineString');
    case 'Polygon':
      return checkPolygon(coordinates);
    case 'MultiPolygon':
      return checkArray(coordinates, checkPolygon, 'a MultiPolygon');
    default:
      return checkArray(geometries, structureError, 'a GeometryCollection');
  }
}

function* positions(g: GeoJSON.Geometry): Generator<number[]> {
  switch (g.type) {
    case 'Point':
      yield g.coordinates;
      break;
    case 'MultiPoint':
    case 'LineString':
      yield* g.coordinates;
      break;
    case 'MultiLineString':
    case 'Polygon':
      for (const l of g.coordinates) yield* l;
      break;
    case 'MultiPolygon':
      for (const p of g.coordinates) for (const r of p) yield* r;
      break;
    case 'GeometryCollection':
      for (const c of g.geometries) yield* positions(c);
  }
}

/** Why a WGS84 geometry is outside longitude/latitude range (a projected file read as degrees, lon/lat swapped). */
export function rangeError(g: GeoJSON.Geometry): string | undefined {
  for (const [x, y] of positions(g)) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return 'coordinates are not finite after conversion';
    if (Math.abs(y) > 90) {
      return Math.abs(x) <= 90
        ? `latitude ${y} is out of range (longitude and latitude swapped?)`
        : `latitude ${y} is out of range (projected coordinates without a .prj?)`;
    }
    if (Math.abs(x) > 180) return `longitude ${x} is out of range`;
  }
  return undefined;
}

/**
 * A GeometryCollection of one kind becomes the matching multi-geometry (KML's MultiGeometry arrives as a
 * collection; a district drawn in two parts must be a MultiPolygon to be stored), and a collection of one
 * member becomes that member. Mixed collections stay as they are, for the service to refuse by type.
 */
export function simplifyCollection(g: GeoJSON.Geometry): GeoJSON.Geometry {
  if (g.type !== 'GeometryCollection') return g;
  const members = g.geometries.map(simplifyCollection);
  if (members.length === 1) return members[0];
  if (members.every((m) => m.type === 'Polygon' || m.type === 'MultiPolygon')) {
    return {
      type: 'MultiPolygon',
      coordinates: members.flatMap((m) => (m.type === 'Polygon' ? [m.coordinates] : (m as GeoJSON.MultiPolygon).coordinates)),
    };
  }
  if (members.every((m) => m.type === 'Point' || m.type === 'MultiPoint')) {
    return { type: 'MultiPoint', coordinates: members.flatMap((m) => (m.type === 'Point' ? [m.coordinates] : (m as GeoJSON.MultiPoint).coordinates)) };
  }
  if (members.every((m) => m.type === 'LineString' || m.type === 'MultiLineString')) {
    return {
      type: 'MultiLineString',
      coordinates: members.flatMap((m) => (m.type === 'LineString' ? [m.coordinates] : (m as GeoJSON.MultiLineString).coordinates)),
    };
  }
  return { type: 'GeometryCollection', geometries: members };
}

/** Builds a record from a raw geometry: checked, converted to WGS84, checked again; errors become `error`. */
export function toRecord(
  row: number,
  rawGeometry: unknown,
  properties: Record<string, unknown>,
  conversion: CrsConversion,
): SourceRecord {
  const bad = structureError(rawGeometry);
  if (bad) return { row, geometry: null, properties, error: bad };
  // Degrees are range-checked before conversion too: gcoord passes points outside China through unchanged.
  const badInput = conversion.geographic ? rangeError(rawGeometry as GeoJSON.Geometry) : undefined;
  if (badInput) return { row, geometry: null, properties, error: badInput };
  let geometry: GeoJSON.Geometry;
  try {
    geometry = conversion.toWgs84(rawGeometry as GeoJSON.Geometry);
  } catch (err) {
    return { row, geometry: null, properties, error: `cannot convert coordinates: ${(err as Error).message}` };
  }
  const outOfRange = rangeError(geometry);
  if (outOfRange) return { row, geometry: null, properties, error: outOfRange };
  return { row, geometry: simplifyCollection(geometry), properties };
}
