import crypto from 'node:crypto';
import { geoJSONToTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Db } from '../db/db.js';
import type { AccountRow } from '../auth/auth.repository.js';
import type { SessionUser } from '../contract/auth.js';
import { isLayerName, type LayerName } from '../contract/layers.js';
import type { RegionLevel } from '../contract/regions.js';
import {
  REGION_TILE_KPIS,
  TILE_BUFFER,
  TILE_DATA_MAX_ZOOM,
  TILE_EXTENT,
  TILE_MAX_ZOOM,
  TILE_MIN_ZOOM,
  regionLevelForZoom,
  type TileJson,
} from '../contract/tiles.js';
import { AppError, badRequest, notFound } from '../errors.js';
import { assertCanRead, userRoots } from '../auth/auth.service.js';
import { LAYER_MODELS, parseStatuses, type LayerColumn } from '../layers/layers.model.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { RegionTileFilter, TileFilter, TilesRepository } from './tiles.repository.js';

export type TileLayer = LayerName | 'regions';

export interface TileOptions {
  region?: string;
  /** Comma list of statuses (point layers). */
  status?: string;
  at?: string;
  /** Level of a regions tile; default by zoom (regionLevelForZoom). */
  level?: RegionLevel;
}

/** A tile request checked against the rules and the user's scope. */
export type TileRequest = { layer: LayerName; filter: TileFilter } | { layer: 'regions'; filter: RegionTileFilter };

export type TileAnswer = { notModified: true; etag: string } | { notModified: false; etag: string; body: Buffer };

const EMPTY = Buffer.alloc(0);
// Overdue counts of a regions tile move with the clock, not only with events (as RegionsService's stats cache).
const CLOCK_BUCKET_MS = 60_000;

/** [west, south, east, north] in WGS84 of tile z/x/y grown by `buffer` tile units on every side. */
export function tileBounds(z: number, x: number, y: number, buffer = TILE_BUFFER): [number, number, number, number] {
  const n = 2 ** z;
  const b = buffer / TILE_EXTENT;
  const lon = (tx: number) => Math.min(180, Math.max(-180, (tx / n) * 360 - 180));
  const lat = (ty: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / n))) * 180) / Math.PI;
  return [lon(x - b), lat(y + 1 + b), lon(x + 1 + b), lat(y - b)];
}

/** Whether an If-None-Match header names this ETag (weak comparison, RFC 9110 §13.1.2). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === bare(etag));
}

const FIELD_TYPE: Record<LayerColumn['sql'], 'String' | 'Number' | 'Boolean'> = {
  text: 'String',
  integer: 'Number',
  numeric: 'Number',
  boolean: 'Boolean',
  date: 'String',
  timestamptz: 'String',
  'text[]': 'String',
};

/**
 * Vector tiles of the point layers and of the regions, for MapLibre, deck.gl's MVTLayer, QGIS and GDAL.
 *
 * Real PostGIS encodes a tile itself (ST_AsMVT) in one statement; embedded PGlite has no protobuf, so there the
 * same rows come as GeoJSON and geojson-vt + vt-pbf encode them with the same extent and buffer. No tile is
 * cached: every request reads the committed data, and the ETag (the event seq of the tile's snapshot) lets a
 * client revalidate cheaply.
 */
export class TilesService {
  /**
   * Part of every ETag: the sample loader writes without events, and a database may be replaced under the same
   * seq; a restarted server then never confirms a tile it did not make.
   */
  private readonly instance = crypto.randomBytes(6).toString('base64url');

  constructor(
    private readonly tiles: TilesRepository,
    private readonly regions: RegionsService,
    private readonly backend: Db['kind'],
  ) {}

  requireLayer(name: string): TileLayer {
    if (name !== 'regions' && !isLayerName(name)) throw notFound(`Tile layer "${name}"`);
    return name as TileLayer;
  }

  /** Checks a tile request in API.md's order (400 tile → 404 layer → 400 status → 403/404 region). */
  async request(user: SessionUser, layerName: string, z: number, x: number, y: number, options: TileOptions): Promise<TileRequest> {
    if (!Number.isInteger(z) || z < TILE_MIN_ZOOM || z > TILE_MAX_ZOOM) throw new AppError(400, 'bad_tile', `z must be an integer ${TILE_MIN_ZOOM}–${TILE_MAX_ZOOM}`);
    const max = 2 ** z - 1;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x > max || y > max) {
      throw new AppError(400, 'bad_tile', `x and y must be integers 0–${max} at zoom ${z}`);
    }
    const { layer, roots, statuses } = await this.scope(user, layerName, options);
    const base = { z, x, y, bbox: tileBounds(z, x, y), roots, at: options.at };
    if (layer === 'regions') return { layer, filter: { ...base, level: options.level ?? regionLevelForZoom(z) } };
    return { layer, filter: { ...base, statuses } };
  }

  /**
   * The tile, or notModified when `ifNoneMatch` names its current ETag; with the account of `username` as it was
   * read in the same statement, for the caller to check (withAccount).
   */
  async tile(req: TileRequest, username: string, ifNoneMatch?: string): Promise<{ result: TileAnswer; account: AccountRow | null }> {
    if (ifNoneMatch) {
      const { seq, account } = await this.tiles.lastSeq(username);
      const etag = this.etag(req, seq);
      if (etagMatches(ifNoneMatch, etag)) return { result: { notModified: true, etag }, account };
    }
    const { seq, body, account } = await this.encode(req, username);
    return { result: { notModified: false, etag: this.etag(req, seq), body }, account };
  }

  /** TileJSON 3.0.0 of a layer; `tileUrl` is the absolute template (with {z}/{x}/{y}) the client follows. */
  async tileJson(user: SessionUser, layerName: string, options: TileOptions, tileUrl: string): Promise<TileJson> {
    const { layer, roots } = await this.scope(user, layerName, options);
    const bounds = (await this.tiles.bounds(roots)) ?? [-180, -85.0511, 180, 85.0511];
    const [w, s, e, n] = bounds;
    // The zoom at which the area spans about two tiles across.
    const zoom = Math.max(0, Math.min(TILE_DATA_MAX_ZOOM, Math.floor(Math.log2(720 / Math.max(e - w, n - s, 1e-6)))));
    const zooms = { minzoom: TILE_MIN_ZOOM, maxzoom: TILE_DATA_MAX_ZOOM };
    const fields: TileJson['vector_layers'][number]['fields'] =
      layer === 'regions'
        ? { code: 'String', name: 'String', level: 'String', parentCode: 'String', ...Object.fromEntries(REGION_TILE_KPIS.map((k) => [k, 'Number' as const])) }
        : {
            id: 'String',
            name: 'String',
            status: 'String',
            version: 'Number',
            regionCode: 'String',
            updatedAt: 'String',
            ...Object.fromEntries(LAYER_MODELS[layer].columns.map((c) => [c.prop, FIELD_TYPE[c.sql]])),
          };
    const description =
      layer === 'regions'
        ? `Regions of one level (query parameter level=street|community|grid|building_group|district; default by zoom: ≤12 street, 13–14 community, 15 grid, ≥16 building_group) with choropleth figures; the MVT feature id is the numeric region code`
        : `${layer} points as in GET /api/layers/${layer}; the MVT feature id is absent (ids are text): use the "id" attribute (MapLibre promoteId: "id"). Arrays are JSON text.`;
    return {
      tilejson: '3.0.0',
      name: layer,
      description,
      scheme: 'xyz',
      tiles: [tileUrl],
      ...zooms,
      bounds,
      center: [(w + e) / 2, (s + n) / 2, zoom],
      vector_layers: [{ id: layer, description, ...zooms, fields }],
    };
  }

  /** The layer, the region roots the user may see through this request, and the checked statuses. */
  private async scope(user: SessionUser, layerName: string, options: TileOptions) {
    const layer = this.requireLayer(layerName);
    let statuses: string[] | undefined;
    if (options.status !== undefined) {
      if (layer === 'regions') throw badRequest('status filters point layers; a regions tile has no status');
      statuses = parseStatuses(layer, options.status);
    }
    if (options.level !== undefined && layer !== 'regions') throw badRequest('level applies to the regions layer only');
    let roots = userRoots(user);
    if (options.region !== undefined) {
      assertCanRead(user, options.region);
      await this.regions.require(options.region);
      roots = [options.region];
    }
    return { layer, roots, statuses };
  }

  private async encode(req: TileRequest, username: string): Promise<{ seq: number; body: Buffer; account: AccountRow | null }> {
    if (this.backend === 'postgres') {
      const { seq, tile, account } =
        req.layer === 'regions' ? await this.tiles.regionsMvt(req.filter, username) : await this.tiles.pointsMvt(req.layer, req.filter, username);
      return { seq, body: asBuffer(tile), account };
    }
    const { seq, features, account } =
      req.layer === 'regions' ? await this.tiles.regionsGeoJson(req.filter, username) : await this.tiles.pointsGeoJson(req.layer, req.filter, username);
    if (req.layer === 'regions') {
      for (const f of features) {
        f.id = Number(f.properties!.fid);
        delete f.properties!.fid;
      }
    }
    return { seq, body: encodeGeoJson(req.layer, features, req.filter), account };
  }

  /** Weak: equal ETags promise the same features and attributes, not the same bytes (the backends encode differently). */
  private etag(req: TileRequest, seq: number): string {
    const { z, x, y, roots, at } = req.filter;
    const what = [req.layer, z, x, y, roots, at ?? null, 'level' in req.filter ? req.filter.level : (req.filter.statuses ?? null)];
    if (req.layer === 'regions' && !at) what.push(Math.floor(Date.now() / CLOCK_BUCKET_MS));
    const hash = crypto.createHash('sha1').update(JSON.stringify(what)).digest('base64url').slice(0, 16);
    return `W/"${this.instance}.${seq}.${hash}"`;
  }
}

/** A driver's bytea as a Buffer, without copying it. */
const asBuffer = (bytes: Uint8Array | null): Buffer =>
  !bytes ? EMPTY : Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Encodes GeoJSON Features (WGS84) into one MVT layer as ST_AsMVT would: same extent and buffer, clipped at the
 * buffer, no simplification (maxZoom = z), and zero bytes when nothing is left.
 */
export function encodeGeoJson(layer: string, features: GeoJSON.Feature[], t: { z: number; x: number; y: number }): Buffer {
  if (!features.length) return EMPTY;
  const tile = geoJSONToTile({ type: 'FeatureCollection', features }, t.z, t.x, t.y, {
    extent: TILE_EXTENT,
    buffer: TILE_BUFFER,
    maxZoom: t.z,
    clip: true,
  });
  if (!tile?.features.length) return EMPTY;
  return asBuffer(fromGeojsonVt({ [layer]: tile }, { version: 2, extent: TILE_EXTENT }));
}
