/**
 * All SQL of imports. Rows are staged into a temporary table of the import's transaction, validated there by
 * PostGIS, then written to their layer (or to regions) in a few set-based statements. Table and column names come
 * from layers.model.ts, never from input; values are parameters.
 */
import type { Transaction } from '../db/db.js';
import { LAYERS, type LayerName } from '../contract/layers.js';
import type { RegionLevel } from '../contract/regions.js';
import type { BadRow } from '../contract/imports.js';
import { LAYER_MODELS, type LayerColumn } from '../layers/layers.model.js';
import { CODE_LENGTH } from '../regions/regions.service.js';

/** One row for the staging table: its number, its WGS84 GeoJSON geometry, its wire properties, its problems. */
export interface StagedRow {
  n: number;
  geometry: GeoJSON.Geometry | null;
  props: Record<string, unknown>;
  errors: string[];
}

export type ImportTargetLayer = LayerName | 'regions';

/** The inside-parent tolerance of the regions_inside_parent trigger (migrations/001), so the check agrees with it. */
const PARENT_TOLERANCE = 1e-5;

/** SQL of a staged property with its column's type; NULL when the row leaves it out. */
function valueSql(c: LayerColumn): string {
  if (c.sql === 'text[]') return `CASE WHEN s.props ? '${c.prop}' THEN ARRAY(SELECT jsonb_array_elements_text(s.props->'${c.prop}')) END`;
  if (c.sql === 'text') return `(s.props->>'${c.prop}')`;
  return `(s.props->>'${c.prop}')::${c.sql}`;
}

/**
 * Postgres text cannot hold NUL, and jsonb refuses a lone UTF-16 surrogate (a GeoJSON may spell either as an
 * escape): both would abort the import with a 500, so NUL is dropped and a lone surrogate becomes U+FFFD.
 */
const storable = (_key: string, v: unknown) =>
  typeof v === 'string' ? v.replace(/\0/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd') : v;

const NOT_BAD = 'NOT EXISTS (SELECT 1 FROM import_bad AS b WHERE b.n = s.n)';

/** Any constant: the same in every process that imports into this database. */
const IMPORT_LOCK = 4101050002;

export class ImportRepository {
  /**
   * One import at a time per database: two boundary imports, or two files with the same ids, would otherwise meet
   * in a key conflict halfway. Held until the transaction ends; the other import waits.
   */
  async lock(tx: Transaction): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
  }

  /** The staging table lives and dies with the transaction (a rollback or the commit drops it). */
  async createStaging(tx: Transaction): Promise<void> {
    await tx.exec(`
      CREATE TEMP TABLE import_staging (
        n          integer PRIMARY KEY,
        geom       geometry,
        geom_error text,
        props      jsonb NOT NULL,
        errors     jsonb NOT NULL
      ) ON COMMIT DROP`);
  }

  /** One batch as one jsonb parameter (a few thousand rows per statement, whatever the layer's columns). */
  async stage(tx: Transaction, rows: StagedRow[]): Promise<void> {
    await tx.query(
      `INSERT INTO import_staging (n, geom, geom_error, props, errors)
       SELECT r.n, g.geom, g.error, r.props, r.errors
         FROM jsonb_to_recordset($1::jsonb) AS r(n integer, geometry jsonb, props jsonb, errors jsonb)
         CROSS JOIN LATERAL import_parse_geometry(r.geometry::text) AS g`,
      [JSON.stringify(rows, storable)],
    );
  }

  /**
   * Finds every bad row, in PostGIS, into import_bad: the reasons given by the reader and the field checks, then
   * the geometry (type, validity with ST_IsValidReason, inside the district or inside the parent region), repeated
   * ids or codes, and references to features that do not exist. Returns them in row order.
   */
  async validate(tx: Transaction, layer: ImportTargetLayer, geometryTypes: string[]): Promise<BadRow[]> {
    const checks = layer === 'regions' ? regionChecks() : layerChecks(layer);
    const key = layer === 'regions' ? 'code' : 'id';
    await tx.query(
      `CREATE TEMP TABLE import_bad ON COMMIT DROP AS
       SELECT n, array_to_string(reasons, '; ') AS reason FROM (
         SELECT s.n, ARRAY(SELECT jsonb_array_elements_text(s.errors)) || array_remove(ARRAY[
           CASE WHEN s.geom IS NULL AND jsonb_array_length(s.errors) = 0
                THEN COALESCE('unreadable geometry: ' || s.geom_error, 'no geometry') END,
           CASE WHEN s.geom IS NOT NULL AND ST_IsEmpty(s.geom) THEN 'empty geometry' END,
           CASE WHEN g.type_ok IS false
                THEN format('geometry is %s; %s takes %s', GeometryType(s.geom), $1::text, array_to_string($2::text[], ', ')) END,
           CASE WHEN g.type_ok AND NOT ST_IsValid(s.geom) THEN 'invalid geometry: ' || ST_IsValidReason(s.geom) END,
           ${checks}
         ]::text[], NULL) AS reasons
           -- first_n: the first row with the same id (code); a window, not a self-join, for 100,000 rows.
           FROM (SELECT st.*, min(st.n) OVER (PARTITION BY st.props->>'${key}') AS first_n FROM import_staging AS st) AS s
           CROSS JOIN LATERAL (SELECT CASE WHEN s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom)
                                           THEN GeometryType(s.geom) = ANY ($2::text[]) END AS type_ok) AS g
       ) AS x
       WHERE cardinality(reasons) > 0`,
      [layer, geometryTypes],
    );
    return tx.query<BadRow>('SELECT n AS row, reason FROM import_bad ORDER BY n');
  }

  /**
   * Writes the good rows of a point layer: rows whose id exists update that feature (the properties they give, the
   * geometry; version + 1), the others are inserted (with their id, or a new one). assign_region() places each.
   */
  async writeLayer(tx: Transaction, layer: LayerName, initialStatus: string): Promise<{ created: number; updated: number }> {
    const model = LAYER_MODELS[layer];
    const cols = model.columns;
    const [updated] = await tx.query<{ n: number }>(
      `WITH u AS (
         UPDATE ${model.table} AS t
            SET name = s.props->>'name', status = COALESCE(s.props->>'status', t.status), geom = s.geom,
                ${cols.map((c) => `${c.column} = COALESCE(${valueSql(c)}, t.${c.column})`).join(', ')},
                version = t.version + 1, updated_at = clock_timestamp()
           FROM import_staging AS s
          WHERE t.id = s.props->>'id' AND ${NOT_BAD}
         RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
    );
    const [created] = await tx.query<{ n: number }>(
      `WITH i AS (
         INSERT INTO ${model.table} (id, name, status, geom, ${cols.map((c) => c.column).join(', ')})
         SELECT COALESCE(s.props->>'id', gen_random_uuid()::text), s.props->>'name', COALESCE(s.props->>'status', $1), s.geom,
                ${cols.map((c) => (c.default ? `COALESCE(${valueSql(c)}, ${c.default})` : valueSql(c))).join(', ')}
           FROM import_staging AS s
          WHERE ${NOT_BAD} AND NOT EXISTS (SELECT 1 FROM ${model.table} AS t WHERE t.id = s.props->>'id')
          ORDER BY s.n
         RETURNING 1)
       SELECT count(*)::int AS n FROM i`,
      [initialStatus],
    );
    return { created: created.n, updated: updated.n };
  }

  /** Foreign keys to regions are checked at commit (or at checkRegionReferences), not per statement (migration 006). */
  async deferConstraints(tx: Transaction): Promise<void> {
    await tx.query('SET CONSTRAINTS ALL DEFERRED');
  }

  /**
   * Replaces a region level: deletes it and every deeper level, inserts the good staged rows. Party organisation,
   * star rating and reported facts of a code that stays are kept when the file does not give them (a boundary file
   * from a GIS carries shapes, not the figures /api/stats sums).
   */
  async replaceLevel(tx: Transaction, level: Exclude<RegionLevel, 'district'>): Promise<{ removed: number; removedDeeper: number; inserted: number }> {
    const length = CODE_LENGTH[level];
    await tx.query(
      `CREATE TEMP TABLE import_old_regions ON COMMIT DROP AS
       SELECT code, party_org, star_rating, facts FROM regions WHERE length(code) = $1`,
      [length],
    );
    const [removed] = await tx.query<{ level: number; deeper: number }>(
      `WITH d AS (DELETE FROM regions WHERE length(code) >= $1 RETURNING code)
       SELECT count(*) FILTER (WHERE length(code) = $1)::int AS level, count(*) FILTER (WHERE length(code) > $1)::int AS deeper FROM d`,
      [length],
    );
    const [inserted] = await tx.query<{ n: number }>(
      `WITH i AS (
         INSERT INTO regions (code, name, level, parent_code, geom, party_org, star_rating, facts)
         SELECT s.props->>'code', s.props->>'name', $1, s.props->>'parentCode', ST_Multi(s.geom),
                COALESCE(s.props->'partyOrg', o.party_org, '{}'),
                COALESCE((s.props->>'starRating')::smallint, o.star_rating),
                COALESCE(s.props->'facts', o.facts, '{}')
           FROM import_staging AS s LEFT JOIN import_old_regions AS o ON o.code = s.props->>'code'
          WHERE ${NOT_BAD}
          ORDER BY s.n
         RETURNING 1)
       SELECT count(*)::int AS n FROM i`,
      [level],
    );
    // A building group's meetings and ratings (migration 012) go with it; those of codes that stay are kept. The
    // event log still holds every one of them.
    for (const table of ['building_group_meetings', 'star_ratings']) {
      await tx.query(`DELETE FROM ${table} AS t WHERE NOT EXISTS (SELECT 1 FROM regions AS r WHERE r.code = t.region_code)`);
    }
    return { removed: removed.level, removedDeeper: removed.deeper, inserted: inserted.n };
  }

  /** Users whose region no longer exists (users.region_code, or user_regions where migration 005 made it). */
  async usersInMissingRegions(tx: Transaction): Promise<{ username: string; regionCode: string }[]> {
    return tx.query('SELECT DISTINCT username, region_code AS "regionCode" FROM users_in_missing_regions() ORDER BY username, 2');
  }

  /**
   * Puts every point of every layer in its deepest covering region again, by the rule of assign_region()
   * (migrations/001), updating only the points whose region changed. Returns how many moved.
   */
  async reassignPoints(tx: Transaction): Promise<number> {
    let moved = 0;
    for (const layer of LAYERS) {
      const table = LAYER_MODELS[layer].table;
      const [row] = await tx.query<{ n: number }>(
        `WITH target AS (
           SELECT t.id, t.region_code AS old,
                  (SELECT r.code FROM regions AS r WHERE ST_Covers(r.geom, ST_PointOnSurface(t.geom))
                    ORDER BY length(r.code) DESC, r.code LIMIT 1) AS code
             FROM ${table} AS t),
         u AS (UPDATE ${table} AS t SET region_code = target.code FROM target
                WHERE t.id = target.id AND target.code IS DISTINCT FROM target.old RETURNING 1)
         SELECT count(*)::int AS n FROM u`,
      );
      moved += row.n;
    }
    return moved;
  }

  /** Checks the deferred foreign keys now, inside the transaction, so a violation is an error we can answer. */
  async checkConstraints(tx: Transaction): Promise<void> {
    await tx.query('SET CONSTRAINTS ALL IMMEDIATE');
  }
}

/** Point layers: inside the district, repeated ids, ids of other layers that do not exist. */
function layerChecks(layer: LayerName): string {
  const refs = LAYER_MODELS[layer].columns.filter((c) => c.references);
  return [
    // The district as one scalar, so PostGIS prepares its outline once for every row (3× faster than EXISTS per row).
    `CASE WHEN g.type_ok AND ST_IsValid(s.geom)
               AND NOT COALESCE(ST_Covers((SELECT d.geom FROM regions AS d WHERE d.level = 'district'), s.geom), false)
          THEN 'outside the district' END`,
    `CASE WHEN s.props ? 'id' AND s.first_n < s.n THEN format('id %s repeats row %s', s.props->>'id', s.first_n) END`,
    ...refs.map(
      (c) => `CASE WHEN s.props ? '${c.prop}' AND NOT EXISTS (SELECT 1 FROM ${LAYER_MODELS[c.references!].table} AS f WHERE f.id = s.props->>'${c.prop}')
          THEN format('${c.prop} %s: no such ${c.references}', s.props->>'${c.prop}') END`,
    ),
  ].join(',\n');
}

/** Regions: the parent exists and holds the region (as the regions_inside_parent trigger will check), codes repeat. */
function regionChecks(): string {
  return [
    `CASE WHEN s.props ? 'parentCode' AND NOT EXISTS (SELECT 1 FROM regions AS p WHERE p.code = s.props->>'parentCode')
          THEN format('parent region %s does not exist', s.props->>'parentCode') END`,
    `CASE WHEN g.type_ok AND ST_IsValid(s.geom)
               AND EXISTS (SELECT 1 FROM regions AS p WHERE p.code = s.props->>'parentCode'
                            AND NOT ST_CoveredBy(s.geom, p.geom) AND NOT ST_CoveredBy(s.geom, ST_Buffer(p.geom, ${PARENT_TOLERANCE})))
          THEN format('not inside its parent region %s', s.props->>'parentCode') END`,
    `CASE WHEN s.props ? 'code' AND s.first_n < s.n THEN format('code %s repeats row %s', s.props->>'code', s.first_n) END`,
  ].join(',\n');
}
