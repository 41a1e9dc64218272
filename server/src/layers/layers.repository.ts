import type { Queryable } from '../db/db.js';
import { LAYER_MODELS, type LayerModel } from './layers.model.js';
import type { Claimant, LayerName, WishCreate } from '../contract/layers.js';

/** Timestamps in built JSON as ISO-8601 UTC, like the rest of the wire (db.ts normalises plain columns). */
export const iso = (expr: string) => `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * SQL for the status of row `t` as it stood at the timestamp parameter `at` (the time slider), read from the
 * event log: the last status set at or before T, else the status the first later change started from, else the
 * current one (never changed since). With `at` NULL it is simply the current status.
 */
export function statusAtSql(layer: LayerName, at: string): string {
  return `CASE WHEN ${at} IS NULL THEN t.status ELSE COALESCE(
    (SELECT e.after->>'status' FROM events e WHERE e.layer = '${layer}' AND e.feature_id = t.id AND e.at <= ${at}
        AND e.after ? 'status' ORDER BY e.seq DESC LIMIT 1),
    (SELECT e.before->>'status' FROM events e WHERE e.layer = '${layer}' AND e.feature_id = t.id AND e.at > ${at}
        AND e.before ? 'status' ORDER BY e.seq LIMIT 1),
    t.status) END`;
}

/** SQL that renders a row `t` of a layer as a GeoJSON Feature (RFC 7946, 7 decimals ≈ 1 cm). */
export function featureSql(model: LayerModel, status = 't.status'): string {
  const props = [
    `'id', t.id`,
    `'layer', '${model.name}'`,
    `'name', t.name`,
    `'status', ${status}`,
    `'version', t.version`,
    `'regionCode', t.region_code`,
    `'updatedAt', ${iso('t.updated_at')}`,
    ...model.columns.map((c) => `'${c.prop}', ${c.sql === 'timestamptz' ? iso(`t.${c.column}`) : `t.${c.column}`}`),
    // A claimed wish names its member unit, for people (the id alone means nothing on a card or in an export).
    ...(model.name === 'micro-wishes' ? [`'claimedByName', (SELECT m.name FROM member_units AS m WHERE m.id = t.claimed_by)`] : []),
  ];
  return `json_build_object('type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(t.geom, 7)::json,
                            'properties', json_build_object(${props.join(', ')}))`;
}

export interface LayerFilter {
  regionCode: string;
  bbox?: [number, number, number, number];
  statuses?: string[];
  /** ISO timestamp: statuses as they stood then (replay). */
  at?: string;
}

/** A column change besides status (e.g. an escalated dispute's mediation level). Column names come from code. */
export type ColumnChange = { column: string; value: unknown };

/** All SQL about point layers. */
export class LayersRepository {
  constructor(private readonly db: Queryable) {}

  /** A FeatureCollection as JSON text, built in PostGIS: the server passes it on without parsing it. */
  async listJson(layer: LayerName, f: LayerFilter): Promise<string> {
    const model = LAYER_MODELS[layer];
    const status = statusAtSql(layer, '$4::timestamptz');
    const [row] = await this.db.query<{ json: string }>(
      `SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(${featureSql(model, status)} ORDER BY t.id), '[]'))::text AS json
         FROM ${model.table} AS t
        WHERE t.region_code LIKE $1 || '%'
          AND ($2::float8[] IS NULL OR t.geom && ST_MakeEnvelope($2[1], $2[2], $2[3], $2[4], 4326))
          AND ($3::text[] IS NULL OR ${status} = ANY ($3))`,
      [f.regionCode, f.bbox ?? null, f.statuses ?? null, f.at ?? null],
    );
    return row.json;
  }

  async find(layer: LayerName, id: string, tx: Queryable = this.db, lock = false): Promise<GeoJSON.Feature | undefined> {
    const model = LAYER_MODELS[layer];
    const [row] = await tx.query<{ feature: GeoJSON.Feature }>(
      `SELECT ${featureSql(model)} AS feature FROM ${model.table} AS t WHERE t.id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );
    return row?.feature;
  }

  /**
   * The point and whether its stored geometry lies inside any of the regions (the spatial write check), in one
   * statement; `lock` takes the row for the write that follows.
   */
  async findWritable(tx: Queryable, layer: LayerName, id: string, regionCodes: string[], lock: boolean): Promise<{ feature: GeoJSON.Feature; inside: boolean } | undefined> {
    const model = LAYER_MODELS[layer];
    const [row] = await tx.query<{ feature: GeoJSON.Feature; inside: boolean }>(
      `SELECT ${featureSql(model)} AS feature,
              EXISTS (SELECT 1 FROM regions AS r WHERE r.code = ANY ($2::text[]) AND ST_Covers(r.geom, t.geom)) AS inside
         FROM ${model.table} AS t WHERE t.id = $1 ${lock ? 'FOR UPDATE OF t' : ''}`,
      [id, regionCodes],
    );
    return row;
  }

  /** Whether the point's stored geometry lies inside any of the regions (a coordinator may hold several grids). */
  async isInside(tx: Queryable, layer: LayerName, id: string, regionCodes: string[]): Promise<boolean> {
    const [row] = await tx.query<{ inside: boolean }>(
      `SELECT bool_or(ST_Covers(r.geom, t.geom)) AS inside FROM regions AS r, ${LAYER_MODELS[layer].table} AS t
        WHERE r.code = ANY($1::text[]) AND t.id = $2`,
      [regionCodes, id],
    );
    return row?.inside ?? false;
  }

  /** Of the given photo ids, those not uploaded for this point (migrations/007). */
  async unknownPhotos(tx: Queryable, layer: LayerName, id: string, photoIds: string[]): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(
      `SELECT u.id FROM unnest($3::text[]) AS u(id)
        WHERE NOT EXISTS (SELECT 1 FROM photo_attachments a WHERE a.photo_id = u.id AND a.layer = $1 AND a.feature_id = $2)`,
      [layer, id, photoIds],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Where a new point would go: its deepest covering region (null outside the district, by assign_region()'s rule)
   * and whether it lies inside any of the given regions (the spatial write check).
   */
  async placeOf(tx: Queryable, lon: number, lat: number, regionCodes: string[]): Promise<{ regionCode: string | null; inside: boolean }> {
    const [row] = await tx.query<{ regionCode: string | null; inside: boolean }>(
      `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS geom)
       SELECT (SELECT r.code FROM regions AS r WHERE ST_Covers(r.geom, p.geom) ORDER BY length(r.code) DESC, r.code LIMIT 1) AS "regionCode",
              EXISTS (SELECT 1 FROM regions AS r WHERE r.code = ANY ($3::text[]) AND ST_Covers(r.geom, p.geom)) AS inside
         FROM p`,
      [lon, lat, regionCodes],
    );
    return row;
  }

  /** A new open micro-wish (its region set by assign_region()), as a Feature. */
  async insertWish(tx: Queryable, w: WishCreate): Promise<GeoJSON.Feature> {
    const model = LAYER_MODELS['micro-wishes'];
    const [row] = await tx.query<{ feature: GeoJSON.Feature }>(
      `WITH t AS (INSERT INTO micro_wishes (name, requester, category, status, geom)
                  VALUES ($1, $2, $3, 'open', ST_SetSRID(ST_MakePoint($4, $5), 4326)) RETURNING *)
       SELECT ${featureSql(model)} AS feature FROM t`,
      [w.name, w.requester, w.category, w.lon, w.lat],
    );
    return row.feature;
  }

  /** Active member units of a street's regional committees (street and community level): who may claim its wishes. */
  async claimants(streetCode: string, tx: Queryable = this.db): Promise<Claimant[]> {
    return tx.query<Claimant>(
      `SELECT id, name, kind, committee, region_code AS "regionCode" FROM member_units
        WHERE region_code LIKE $1 || '%' AND status = 'active' ORDER BY committee DESC, name, id`,
      [streetCode],
    );
  }

  async isClaimant(tx: Queryable, memberUnitId: string, streetCode: string): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM member_units WHERE id = $1 AND region_code LIKE $2 || '%' AND status = 'active'`, [memberUnitId, streetCode]);
    return rows.length > 0;
  }

  async updateStatus(tx: Queryable, layer: LayerName, id: string, status: string, changes: ColumnChange[] = []): Promise<GeoJSON.Feature> {
    const model = LAYER_MODELS[layer];
    const sets = changes.map((c, i) => `${c.column} = $${i + 3}`);
    const [row] = await tx.query<{ feature: GeoJSON.Feature }>(
      `WITH t AS (UPDATE ${model.table} SET status = $2, version = version + 1, updated_at = clock_timestamp()
                  ${sets.map((s) => `, ${s}`).join('')} WHERE id = $1 RETURNING *)
       SELECT ${featureSql(model)} AS feature FROM t`,
      [id, status, ...changes.map((c) => c.value)],
    );
    return row.feature;
  }
}
