import type { Queryable } from '../db/db.js';
import type { Campaign } from '../contract/events.js';
import { isLayerName } from '../contract/layers.js';
import { LAYER_MODELS } from '../layers/layers.model.js';
import { statusAtSql } from '../layers/layers.repository.js';

export interface TargetCount {
  code: string;
  status: string;
  n: number;
}

export class CampaignsRepository {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<Omit<Campaign, 'targets' | 'done'>[]> {
    return this.db.query(
      `SELECT id, name, layer, starts_at AS "startsAt", ends_at AS "endsAt", status, done_statuses AS "doneStatuses"
         FROM campaigns ORDER BY starts_at DESC, id`,
    );
  }

  async find(id: string): Promise<Omit<Campaign, 'targets' | 'done'> | undefined> {
    const [row] = await this.db.query(
      `SELECT id, name, layer, starts_at AS "startsAt", ends_at AS "endsAt", status, done_statuses AS "doneStatuses"
         FROM campaigns WHERE id = $1`,
      [id],
    );
    return row as Omit<Campaign, 'targets' | 'done'> | undefined;
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
