import type { Queryable } from '../db/db.js';
import type { CampaignTargetFilter } from '../contract/admin.js';
import type { Campaign } from '../contract/events.js';
import { isLayerName, type LayerName } from '../contract/layers.js';
import { LAYER_MODELS } from '../layers/layers.model.js';
import { statusAtSql } from '../layers/layers.repository.js';

export interface TargetCount {
  code: string;
  status: string;
  n: number;
}

export type CampaignRow = Omit<Campaign, 'targets' | 'done'>;

/** A target filter whose `where` keys were checked against the layer model (CampaignsService). */
export interface CheckedFilter {
  layer: LayerName;
  region: string;
  statuses?: string[];
  /** Column (from LAYER_MODELS, never from input) and the value compared as text. */
  where: { column: string; value: string }[];
}

/**
 * The WHERE clause of a target filter over a layer row `t`, its parameters numbered after the caller's `before`
 * ones. Columns come from LAYER_MODELS, values only as parameters, compared as text.
 */
function filterSql(f: CheckedFilter, before: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [f.region, f.statuses ?? null];
  const n = (i: number) => `$${before + i}`;
  const clauses = [`t.region_code LIKE ${n(1)} || '%'`, `(${n(2)}::text[] IS NULL OR t.status = ANY (${n(2)}::text[]))`];
  for (const w of f.where) {
    params.push(w.value);
    clauses.push(`t.${w.column}::text = ${n(params.length)}`);
  }
  return { sql: clauses.join(' AND '), params };
}

const CAMPAIGN_COLUMNS = `id, name, layer, starts_at AS "startsAt", ends_at AS "endsAt", status, done_statuses AS "doneStatuses"`;

export class CampaignsRepository {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<CampaignRow[]> {
    return this.db.query(`SELECT ${CAMPAIGN_COLUMNS} FROM campaigns ORDER BY starts_at DESC, id`);
  }

  async find(id: string, q: Queryable = this.db, lock = false): Promise<(CampaignRow & { filter: CampaignTargetFilter | null }) | undefined> {
    const [row] = await q.query(`SELECT ${CAMPAIGN_COLUMNS}, filter FROM campaigns WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row as (CampaignRow & { filter: CampaignTargetFilter | null }) | undefined;
  }

  /** How many points of the layer the filter chooses now. */
  async countTargets(f: CheckedFilter): Promise<number> {
    const { sql, params } = filterSql(f, 0);
    const [row] = await this.db.query<{ n: number }>(`SELECT count(*) AS n FROM ${LAYER_MODELS[f.layer].table} AS t WHERE ${sql}`, params);
    return row.n;
  }

  /** Inserts a draft campaign and its targets (the points the filter chooses now); answers the target count. */
  async insertDraft(
    q: Queryable,
    c: { id: string; name: string; startsAt: string; endsAt: string; doneStatuses: string[]; createdBy: string; filter: CampaignTargetFilter },
    f: CheckedFilter,
  ): Promise<number> {
    await q.query(
      `INSERT INTO campaigns (id, name, layer, starts_at, ends_at, status, done_statuses, created_by, filter)
       VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8::jsonb)`,
      [c.id, c.name, f.layer, c.startsAt, c.endsAt, c.doneStatuses, c.createdBy, JSON.stringify(c.filter)],
    );
    const { sql, params } = filterSql(f, 1);
    const rows = await q.query<{ n: number }>(
      `WITH ins AS (INSERT INTO campaign_targets (campaign_id, feature_id)
                    SELECT $1, t.id FROM ${LAYER_MODELS[f.layer].table} AS t WHERE ${sql} RETURNING 1)
       SELECT count(*) AS n FROM ins`,
      [c.id, ...params],
    );
    return rows[0].n;
  }

  async setStatus(q: Queryable, id: string, status: Campaign['status']): Promise<void> {
    await q.query(`UPDATE campaigns SET status = $2 WHERE id = $1`, [id, status]);
  }

  /** Target counts by current status within any of the regions (a coordinator's grids). */
  async statusCounts(campaignId: string, layer: string, regionCodes: string[]): Promise<TargetCount[]> {
    if (!isLayerName(layer)) return [];
    return this.db.query<TargetCount>(
      `SELECT '' AS code, t.status, count(*) AS n
         FROM campaign_targets AS ct JOIN ${LAYER_MODELS[layer].table} AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = $1 AND t.region_code LIKE ANY ($2::text[])
        GROUP BY t.status`,
      [campaignId, regionCodes.map((c) => `${c}%`)],
    );
  }

  async targetIds(campaignId: string, layer: string, regionCode: string): Promise<string[]> {
    if (!isLayerName(layer)) return [];
    const rows = await this.db.query<{ id: string }>(
      `SELECT t.id FROM campaign_targets AS ct JOIN ${LAYER_MODELS[layer].table} AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = $1 AND t.region_code LIKE $2 || '%' ORDER BY t.id`,
      [campaignId, regionCode],
    );
    return rows.map((r) => r.id);
  }

  /** Target counts by status, grouped by the first `codeLength` digits of their region (the child region). */
  async targetCounts(campaignId: string, layer: string, regionCode: string, codeLength: number, at?: string): Promise<TargetCount[]> {
    if (!isLayerName(layer)) return [];
    return this.db.query<TargetCount>(
      `SELECT left(t.region_code, $3) AS code, ${statusAtSql(layer, '$4::timestamptz')} AS status, count(*) AS n
         FROM campaign_targets AS ct JOIN ${LAYER_MODELS[layer].table} AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = $1 AND t.region_code LIKE $2 || '%'
        GROUP BY 1, 2`,
      [campaignId, regionCode, codeLength, at ?? null],
    );
  }
}
