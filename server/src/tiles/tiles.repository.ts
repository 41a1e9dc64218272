import type { Queryable } from '../db/db.js';
import { OPEN_DISPUTE_STATUSES, type LayerName } from '../contract/layers.js';
import type { RegionLevel } from '../contract/regions.js';
import { TILE_BUFFER, TILE_EXTENT } from '../contract/tiles.js';
import { LAYER_MODELS, type LayerColumn } from '../layers/layers.model.js';
import { iso, statusAtSql } from '../layers/layers.repository.js';
import { accountSql, type AccountRow } from '../auth/auth.repository.js';

/** What a tile shows: the features whose geometry meets `bbox`, inside the `roots` subtrees. */
export interface TileFilter {
  z: number;
  x: number;
  y: number;
  /** [west, south, east, north] in WGS84 of the tile grown by its buffer: the GiST-friendly filter. */
  bbox: [number, number, number, number];
  /** Region subtrees the tile may show (a coordinator may hold several grids). */
  roots: string[];
  statuses?: string[];
  /** ISO timestamp: statuses as they stood then (replay from the event log). */
  at?: string;
}

export interface RegionTileFilter extends Omit<TileFilter, 'statuses'> {
  level: RegionLevel;
}

/** The newest event seq read in the same statement (one snapshot) as the tile's data: the tile's version. */
export type Versioned<T> = { seq: number } & T;

// Parameters common to every tile statement: $1–$4 bbox, $5 LIKE patterns of the roots, $6 statuses (points) or
// level (regions), $7 `at`. The PostGIS encoder adds $8–$10 = z, x, y for ST_TileEnvelope.
const BBOX = 'ST_MakeEnvelope($1, $2, $3, $4, 4326)';
const AT = '$7::timestamptz';
/** A geometry column as the rows carry it: in tile coordinates (PostGIS encoder) or as stored (GeoJSON). */
type GeomSql = (column: string) => string;
const MVT_GEOM: GeomSql = (column) =>
  `ST_AsMVTGeom(ST_Transform(${column}, 3857), ST_TileEnvelope($8, $9, $10), ${TILE_EXTENT}, ${TILE_BUFFER}, true)`;
const WGS84_GEOM: GeomSql = (column) => column;

/** A layer column as an MVT value: numbers, booleans and text as they are; dates as ISO text; arrays as JSON text. */
function tileValue(c: LayerColumn): string {
  const col = `t.${c.column}`;
  switch (c.sql) {
    case 'numeric':
      return `${col}::float8`; // ST_AsMVT would write numeric as text
    case 'date':
      return `to_char(${col}, 'YYYY-MM-DD')`;
    case 'timestamptz':
      return iso(col);
    case 'text[]':
      return `to_json(${col})::text`;
    default:
      return col;
  }
}

/** Rows of a point layer in the tile, with the properties of /api/layers (minus `layer`: the MVT layer's name). */
function pointRowsSql(layer: LayerName, geom: GeomSql): string {
  const model = LAYER_MODELS[layer];
  const status = statusAtSql(layer, AT);
  const columns = [
    `${geom('t.geom')} AS geom`,
    't.id',
    't.name',
    `${status} AS status`,
    't.version',
    't.region_code AS "regionCode"',
    `${iso('t.updated_at')} AS "updatedAt"`,
    ...model.columns.map((c) => `${tileValue(c)} AS "${c.prop}"`),
  ];
  return `SELECT ${columns.join(', ')}
            FROM ${model.table} AS t
           WHERE t.geom && ${BBOX}
             AND t.region_code LIKE ANY ($5::text[])
             AND ($6::text[] IS NULL OR ${status} = ANY ($6::text[]))`;
}

const isOpen = (status: string) => `${status} IN (${OPEN_DISPUTE_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * Regions of one level in the tile with the choropleth's figures (RegionsRepository.childrenWithKpis), over each
 * region's subtree; with `at`, the status-dependent figures as they stood then. Each count is an index scan of
 * the points within the region's box (GiST), then the code prefix.
 */
function regionRowsSql(geom: GeomSql): string {
  const inside = `t.geom && g.geom AND t.region_code LIKE g.code || '%'`;
  const status = (layer: LayerName) => statusAtSql(layer, AT);
  return `SELECT ${geom('g.geom')} AS geom, g.code::bigint AS fid, g.code, g.name, g.level,
                 g.parent_code AS "parentCode", c.compounds, c."unmanagedCompounds", s."serviceCentres", b."tempBranches",
                 d."openDisputes", d."overdueDisputes", p."projectsInProgress"
            FROM regions AS g
            CROSS JOIN LATERAL (SELECT count(*) AS compounds, count(*) FILTER (WHERE t.kind = 'unmanaged') AS "unmanagedCompounds"
                                  FROM compounds AS t WHERE ${inside}) AS c
            CROSS JOIN LATERAL (SELECT count(*) AS "serviceCentres" FROM service_centres AS t WHERE ${inside}) AS s
            CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE ${status('temp-branches')} = 'active') AS "tempBranches"
                                  FROM temp_branches AS t WHERE ${inside}) AS b
            CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE ${isOpen(status('disputes'))}) AS "openDisputes",
                                       count(*) FILTER (WHERE ${isOpen(status('disputes'))} AND t.deadline < COALESCE(${AT}, now())) AS "overdueDisputes"
                                  FROM disputes AS t WHERE ${inside}) AS d
            CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE ${status('projects')} = 'in_progress') AS "projectsInProgress"
                                  FROM projects AS t WHERE ${inside}) AS p
           WHERE g.geom && ${BBOX} AND g.level = $6 AND g.code LIKE ANY ($5::text[])`;
}

/**
 * The statement real PostGIS answers with the encoded tile (and the seq of its snapshot). ST_AsMVT skips the rows
 * ST_AsMVTGeom clipped away (NULL geometry) itself; filtering them in SQL would compute ST_AsMVTGeom twice.
 */
const mvtSql = (name: string, rows: string, idColumn?: string) =>
  `WITH q AS (${rows})
   SELECT (SELECT last FROM event_seq) AS seq,
          (SELECT ST_AsMVT(q, '${name}', ${TILE_EXTENT}, 'geom'${idColumn ? `, '${idColumn}'` : ''}) FROM q) AS tile`;

/** The same rows as GeoJSON Features (WGS84), for a backend without ST_AsMVT (embedded PGlite has no protobuf). */
const geoJsonSql = (rows: string) =>
  `WITH q AS (${rows})
   SELECT (SELECT last FROM event_seq) AS seq,
          (SELECT COALESCE(json_agg(ST_AsGeoJSON(q.*, 'geom', 9)::json), '[]') FROM q) AS features`;

/** Statement text of a point layer's tile as PostGIS encodes it (also run bare by bench/tiles.ts). */
export const pointsMvtSql = (layer: LayerName) => mvtSql(layer, pointRowsSql(layer, MVT_GEOM));
const REGIONS_MVT_SQL = mvtSql('regions', regionRowsSql(MVT_GEOM), 'fid');
const regionsGeoJsonSql = geoJsonSql(regionRowsSql(WGS84_GEOM));

/**
 * A tile statement that also reads the requesting account (its username the last parameter, `$n`), in the same
 * snapshot: one round trip per tile, and the account checked is the one the tile was made for (withAccount).
 */
const withAccountSql = (statement: string, n: number) => `${statement}, ${accountSql(`$${n}`)} AS account`;

/** The requesting account, read with a tile (auth.repository's AccountRow; null when there is none). */
export type WithAccount<T> = T & { account: AccountRow | null };

/** Parameters of pointsMvtSql (and, without z/x/y, of the GeoJSON statement). */
export function tileParams(f: TileFilter | RegionTileFilter, mvt: boolean): unknown[] {
  const sixth = 'level' in f ? f.level : (f.statuses ?? null);
  // Region codes are digits only, so they make safe LIKE prefixes.
  const params: unknown[] = [...f.bbox, f.roots.map((r) => `${r}%`), sixth, f.at ?? null];
  return mvt ? [...params, f.z, f.x, f.y] : params;
}

/** All SQL of vector tiles. */
export class TilesRepository {
  constructor(private readonly db: Queryable) {}

  /** A point layer's tile encoded by PostGIS (ST_AsMVT): zero bytes when no feature falls in it. */
  pointsMvt(layer: LayerName, f: TileFilter, username: string) {
    return this.read<{ tile: Uint8Array }>(pointsMvtSql(layer), tileParams(f, true), username);
  }

  pointsGeoJson(layer: LayerName, f: TileFilter, username: string) {
    return this.read<{ features: GeoJSON.Feature[] }>(geoJsonSql(pointRowsSql(layer, WGS84_GEOM)), tileParams(f, false), username);
  }

  /** A regions tile encoded by PostGIS; the MVT feature id is the numeric region code. */
  regionsMvt(f: RegionTileFilter, username: string) {
    return this.read<{ tile: Uint8Array }>(REGIONS_MVT_SQL, tileParams(f, true), username);
  }

  /** Regions as GeoJSON Features; the property `fid` is the numeric region code (the MVT feature id). */
  regionsGeoJson(f: RegionTileFilter, username: string) {
    return this.read<{ features: GeoJSON.Feature[] }>(regionsGeoJsonSql, tileParams(f, false), username);
  }

  /** The newest seq (a tile's ETag), with the account. */
  async lastSeq(username: string): Promise<WithAccount<{ seq: number }>> {
    const [row] = await this.db.query<WithAccount<{ seq: number }>>(`SELECT last AS seq, ${accountSql('$1')} AS account FROM event_seq`, [username]);
    return row;
  }

  private async read<T>(statement: string, params: unknown[], username: string): Promise<WithAccount<Versioned<T>>> {
    const [row] = await this.db.query<WithAccount<Versioned<T>>>(withAccountSql(statement, params.length + 1), [...params, username]);
    return row;
  }

  /** [west, south, east, north] of the regions, or undefined when none exists. */
  async bounds(codes: string[]): Promise<[number, number, number, number] | undefined> {
    const [row] = await this.db.query<{ w: number | null; s: number; e: number; n: number }>(
      `SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
         FROM (SELECT ST_Extent(geom) AS b FROM regions WHERE code = ANY ($1::text[])) AS x`,
      [codes],
    );
    return row.w === null ? undefined : [row.w, row.s, row.e, row.n];
  }
}
