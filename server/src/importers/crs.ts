/**
 * Coordinate systems of imported files, converted to WGS84 (EPSG:4326) before anything is stored.
 *
 * - wgs84: as is.
 * - gcj02 (国测局 "Mars" coordinates, AMap/Tencent) and bd09 (Baidu): gcoord's inverse transforms. GCJ-02 has no
 *   closed-form inverse; gcoord iterates, landing within millimetres of the true WGS84 point inside China.
 * - cgcs2000 geographic (EPSG:4490): taken as WGS84. Both are ITRF-based earth-centred frames whose realisations
 *   differ by a few centimetres in China, far below the accuracy of a grid map (and of the input data).
 * - a Shapefile .prj: geographic WGS84 / CGCS2000 as above; a projected CRS on either datum (CGCS2000 3° or 6°
 *   Gauss–Krüger, UTM …) is inverse-projected with proj4 straight from the .prj WKT. Other datums (Xi'an 1980,
 *   Beijing 1954) need local seven-parameter transforms we do not have, so they are refused by name.
 *
 * Output coordinates are rounded to 7 decimals (about 1 cm), which keeps stored geometry and exports tidy.
 */
import gcoord from 'gcoord';
import proj4 from 'proj4';
import type { ImportCrs } from '../contract/imports.js';

type Position = number[];

/** How a file's coordinates become WGS84. */
export interface CrsConversion {
  /** The CRS reported to the user (a projected CGCS2000 .prj reports cgcs2000). */
  crs: ImportCrs;
  /** Human-readable name (the .prj's name when there is one). */
  label: string;
  /** Input positions are longitude/latitude degrees (false for a projected .prj, whose units are metres). */
  geographic: boolean;
  toWgs84(geometry: GeoJSON.Geometry): GeoJSON.Geometry;
}

const round7 = (v: number): number => Math.round(v * 1e7) / 1e7;

/** Applies `fn` to every position of a geometry, returning a new geometry (the input is not modified). */
export function mapPositions(geometry: GeoJSON.Geometry, fn: (p: Position) => Position): GeoJSON.Geometry {
  switch (geometry.type) {
    case 'Point':
      return { type: 'Point', coordinates: fn(geometry.coordinates) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: geometry.coordinates.map(fn) };
    case 'LineString':
      return { type: 'LineString', coordinates: geometry.coordinates.map(fn) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: geometry.coordinates.map((l) => l.map(fn)) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: geometry.coordinates.map((r) => r.map(fn)) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: geometry.coordinates.map((p) => p.map((r) => r.map(fn))) };
    case 'GeometryCollection':
      return { type: 'GeometryCollection', geometries: geometry.geometries.map((g) => mapPositions(g, fn)) };
  }
}

const roundPosition = (p: Position): Position => [round7(p[0]), round7(p[1])];

function gcoordInverse(from: typeof gcoord.GCJ02 | typeof gcoord.BD09) {
  return (p: Position): Position => {
    const [x, y] = gcoord.transform([p[0], p[1]] as [number, number], from, gcoord.WGS84);
    return [round7(x), round7(y)];
  };
}

const conversions: Record<ImportCrs, (p: Position) => Position> = {
  wgs84: roundPosition,
  // CGCS2000 vs WGS84: centimetres apart (see the header comment); no transform.
  cgcs2000: roundPosition,
  gcj02: gcoordInverse(gcoord.GCJ02),
  bd09: gcoordInverse(gcoord.BD09),
};

/** Converts a geometry in one of the accepted input CRSs to WGS84, rounded to 7 decimals. */
export function toWgs84(geometry: GeoJSON.Geometry, crs: ImportCrs): GeoJSON.Geometry {
  return mapPositions(geometry, conversions[crs]);
}

/** The conversion for a CRS named by the user (or defaulted). */
export function conversionFor(crs: ImportCrs): CrsConversion {
  return { crs, label: crs, geographic: true, toWgs84: (g) => toWgs84(g, crs) };
}

/** Thrown when a .prj names a CRS we cannot convert; the reader turns it into SourceError('unreadable'). */
export class UnknownCrsError extends Error {}

type Datum = 'wgs84' | 'cgcs2000';

function datumOf(wkt: string): Datum | undefined {
  const s = wkt.toUpperCase();
  if (/AUTHORITY\["EPSG",\s*"?4490"?\]/.test(s) || /CHINA[ _]?(GEODETIC[ _]COORDINATE[ _]SYSTEM[ _])?2000|CGCS[ _]?2000/.test(s)) {
    return 'cgcs2000';
  }
  if (/AUTHORITY\["EPSG",\s*"?4326"?\]/.test(s) || /WGS[ _]?(19)?84/.test(s)) return 'wgs84';
  return undefined;
}

/** The quoted name of the outermost CRS in a WKT1 string, for messages. */
function wktName(wkt: string): string {
  return /^\s*[A-Z_]+\[\s*"([^"]*)"/i.exec(wkt)?.[1] ?? wkt.trim().slice(0, 80);
}

/**
 * The conversion for a Shapefile's .prj (WKT1, ESRI or OGC flavour). Throws UnknownCrsError naming the CRS when
 * it is neither WGS84 nor CGCS2000 (geographic, or projected on one of those datums).
 */
export function conversionFromPrj(wkt: string): CrsConversion {
  const label = wktName(wkt);
  const kind = /^\s*([A-Z_]+)\[/i.exec(wkt)?.[1]?.toUpperCase();
  if (kind !== 'GEOGCS' && kind !== 'PROJCS') throw new UnknownCrsError(`unrecognised .prj (${label})`);
  const datum = datumOf(wkt);
  if (!datum) throw new UnknownCrsError(`unsupported coordinate system "${label}" (only WGS84 and CGCS2000 are converted)`);
  if (kind === 'GEOGCS') {
    if (/UNIT\[\s*"(grad|gon|radian)/i.test(wkt)) throw new UnknownCrsError(`unsupported angular unit in "${label}"`);
    return { crs: datum, label, geographic: true, toWgs84: (g) => toWgs84(g, datum) };
  }
  let converter: proj4.Converter;
  try {
    // Both datums are treated as WGS84 (centimetres apart), so only the projection is undone.
    converter = proj4(wkt, 'EPSG:4326');
  } catch (err) {
    throw new UnknownCrsError(`cannot use the projection of "${label}": ${(err as Error).message}`);
  }
  const inverse = (p: Position): Position => {
    const [x, y] = converter.forward([p[0], p[1]]);
    return [round7(x), round7(y)];
  };
  return { crs: datum, label, geographic: false, toWgs84: (g) => mapPositions(g, inverse) };
}
