/** Decoding vector tiles in tests with the reference decoder (@mapbox/vector-tile + pbf), and tile arithmetic. */
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';

export interface DecodedFeature {
  id: number | undefined;
  type: 'Point' | 'LineString' | 'Polygon' | 'Unknown';
  properties: Record<string, number | string | boolean>;
  /** Rings or point lists in tile units (0 … extent). */
  geometry: Array<Array<{ x: number; y: number }>>;
  /** The same as GeoJSON in WGS84. */
  geojson: GeoJSON.Feature;
}

const TYPES = ['Unknown', 'Point', 'LineString', 'Polygon'] as const;

/** Every layer of a tile and its features; an empty body is a tile with no layers. */
export function decodeTile(bytes: ArrayBuffer | Uint8Array, z: number, x: number, y: number): Record<string, DecodedFeature[]> {
  const tile = new VectorTile(new PbfReader(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
  const out: Record<string, DecodedFeature[]> = {};
  for (const [name, layer] of Object.entries(tile.layers)) {
    out[name] = [];
    for (let i = 0; i < layer.length; i++) {
      const f = layer.feature(i);
      out[name].push({
        id: f.id,
        type: TYPES[f.type],
        properties: f.properties,
        geometry: f.loadGeometry().map((ring) => ring.map((p) => ({ x: p.x, y: p.y }))),
        geojson: f.toGeoJSON(x, y, z),
      });
    }
  }
  return out;
}

/** The XYZ tile holding a WGS84 position at zoom z. */
export function tileOf(lon: number, lat: number, z: number): { z: number; x: number; y: number } {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x, y };
}

/** A WGS84 position in tile units of tile z/x/y (extent 4096), unrounded. */
export function toTileUnits(lon: number, lat: number, t: { z: number; x: number; y: number }, extent = 4096): { x: number; y: number } {
  const n = 2 ** t.z;
  const r = (lat * Math.PI) / 180;
  const wx = ((lon + 180) / 360) * n;
  const wy = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n;
  return { x: (wx - t.x) * extent, y: (wy - t.y) * extent };
}
