import type { Queryable } from '../db/db.js';
import type { SearchResult } from '../contract/regions.js';
import { LAYERS } from '../contract/layers.js';
import { LAYER_MODELS } from '../layers/layers.model.js';

const LIMIT = 20;

export class SearchRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Name contains the text, or code starts with it; `%`/`_` in the text are matched literally. Bounded to the
   * subtrees of `regionCodes` (all of a coordinator's grids).
   */
  async search(text: string, regionCodes: string[]): Promise<SearchResult> {
    const like = `%${text.replace(/[\\%_]/g, '\\$&')}%`;
    // Region codes are digits only, so they make safe LIKE prefixes.
    const within = regionCodes.map((c) => `${c}%`);
    const regions = await this.db.query<SearchResult['regions'][number]>(
      `SELECT code, name, level FROM regions
        WHERE code LIKE ANY($2::text[]) AND (name ILIKE $1 OR code LIKE $3 || '%')
        ORDER BY length(code), code LIMIT ${LIMIT}`,
      [like, within, text],
    );
    const union = LAYERS.map(
      (l) => `SELECT '${l}' AS layer, id, name, region_code AS "regionCode", ST_X(ST_PointOnSurface(geom)) AS lon,
                     ST_Y(ST_PointOnSurface(geom)) AS lat FROM ${LAYER_MODELS[l].table}
               WHERE region_code LIKE ANY($2::text[]) AND (name ILIKE $1 OR id = $3)`,
    ).join(' UNION ALL ');
    const features = await this.db.query<SearchResult['features'][number]>(`${union} ORDER BY name LIMIT ${LIMIT}`, [like, within, text]);
    return { regions, features };
  }
}
