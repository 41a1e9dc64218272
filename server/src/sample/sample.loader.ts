import fs from 'node:fs';
import path from 'node:path';
import type { Db, Queryable } from '../db/db.js';
import { LAYER_LOAD_ORDER, LAYER_MODELS, type LayerColumn } from '../layers/layers.model.js';
import { hashPassword } from '../auth/password.js';
import { REGION_LEVELS } from '../contract/regions.js';

export interface LoadSampleOptions {
  sampleDir: string;
  /** Create the demo accounts of API.md with this password; undefined = no demo accounts. */
  demoPassword?: string;
  /** The sample's dates are shifted so its reference date falls on this day (default today). */
  now?: Date;
}

export interface LoadSampleResult {
  loaded: boolean;
  shiftDays: number;
}

interface SampleMeta {
  name: string;
  referenceDate: string;
  counts?: Record<string, number>;
}

interface SampleCampaign {
  id: string;
  name: string;
  layer: string;
  startsAt: string;
  endsAt: string;
  status: string;
  doneStatuses: string[];
  targetIds: string[];
}

const DAY_MS = 86_400_000;
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Reads one committed FeatureCollection as text, to pass whole to SQL as one jsonb parameter. */
const featuresJson = (file: string): string => JSON.stringify(readJson<{ features: unknown[] }>(file).features);

/**
 * SQL expression that reads one property of a feature (`f`) with its column's type. Dates are shifted by $2 days
 * so the sample's reference date becomes today: otherwise every open dispute would turn overdue as the
 * committed sample ages.
 */
function propertyExpr(c: LayerColumn): string {
  const v = `f->'properties'->>'${c.prop}'`;
  switch (c.sql) {
    case 'text[]':
      return `ARRAY(SELECT jsonb_array_elements_text(f->'properties'->'${c.prop}'))`;
    case 'date':
      return `((${v})::date + $2::integer)`;
    case 'timestamptz':
      return `((${v})::timestamptz + $2::integer * interval '1 day')`;
    default:
      return `(${v})::${c.sql}`;
  }
}

/**
 * Loads the committed sample district (geodata/jinshui) in one transaction. Idempotent: a database that already
 * holds the sample is left as it is.
 */
export async function loadSample(db: Db, options: LoadSampleOptions): Promise<LoadSampleResult> {
  const dir = options.sampleDir;
  const meta = readJson<SampleMeta>(path.join(dir, 'meta.json'));
  const now = options.now ?? new Date();
  const shiftDays = Math.round((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - Date.parse(meta.referenceDate)) / DAY_MS);
  // Hash before the transaction: argon2 is deliberately slow and must not hold the database.
  const demoHash = options.demoPassword === undefined ? undefined : await hashPassword(options.demoPassword);

  return db.transaction(async (tx) => {
    const [done] = await tx.query(`SELECT value FROM app_meta WHERE key = 'sample'`);
    if (done) return { loaded: false, shiftDays: done.value.shiftDays as number };

    await insertRegions(tx, featuresJson(path.join(dir, 'regions.geojson')));
    for (const layer of LAYER_LOAD_ORDER) {
      const model = LAYER_MODELS[layer];
      const columns = model.columns;
      const hasDates = columns.some((c) => c.sql === 'date' || c.sql === 'timestamptz');
      await tx.query(
        `INSERT INTO ${model.table} (id, name, status, geom, ${columns.map((c) => c.column).join(', ')})
         SELECT f->>'id', f->'properties'->>'name', f->'properties'->>'status',
                ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326), ${columns.map(propertyExpr).join(', ')}
           FROM jsonb_array_elements($1::jsonb) AS f
         ON CONFLICT (id) DO NOTHING`,
        // Postgres refuses a parameter the statement does not use: pass the shift only where dates are.
        [featuresJson(path.join(dir, `${layer}.geojson`)), ...(hasDates ? [shiftDays] : [])],
      );
    }
    await insertCampaigns(tx, readJson<SampleCampaign[]>(path.join(dir, 'campaigns.json')), shiftDays);
    const ledger = path.join(dir, 'ledger.json');
    if (fs.existsSync(ledger)) await insertLedger(tx, fs.readFileSync(ledger, 'utf8'), shiftDays, meta.referenceDate);
    await quietSampleGrids(tx);
    await insertBuildingGroupRecords(tx, now);
    if (demoHash) await insertDemoUsers(tx, demoHash);
    await tx.query(`INSERT INTO app_meta (key, value) VALUES ('sample', $1::jsonb)`, [
      JSON.stringify({ name: meta.name, referenceDate: meta.referenceDate, shiftDays, loadedAt: now.toISOString() }),
    ]);
    return { loaded: true, shiftDays };
  });
}

/** Level by level, so each region's parent exists when the inside-parent trigger checks it. */
async function insertRegions(tx: Queryable, features: string): Promise<void> {
  for (const level of REGION_LEVELS) {
    await tx.query(
      `INSERT INTO regions (code, name, level, parent_code, geom, party_org, star_rating, facts)
       SELECT p->>'code', p->>'name', p->>'level', p->>'parentCode',
              ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(f->'geometry'), 4326)),
              COALESCE(p->'partyOrg', '{}'), (p->>'starRating')::smallint, COALESCE(p->'facts', '{}')
         FROM jsonb_array_elements($1::jsonb) AS f, LATERAL (SELECT f->'properties' AS p) AS props
        WHERE p->>'level' = $2
       ON CONFLICT (code) DO NOTHING`,
      [features, level],
    );
  }
}

async function insertCampaigns(tx: Queryable, campaigns: SampleCampaign[], shiftDays: number): Promise<void> {
  for (const c of campaigns) {
    await tx.query(
      `INSERT INTO campaigns (id, name, layer, starts_at, ends_at, status, done_statuses)
       VALUES ($1, $2, $3, $4::timestamptz + $8::integer * interval '1 day', $5::timestamptz + $8::integer * interval '1 day', $6, $7)
       ON CONFLICT (id) DO NOTHING`,
      [c.id, c.name, c.layer, c.startsAt, c.endsAt, c.status, c.doneStatuses, shiftDays],
    );
    await tx.query(
      `INSERT INTO campaign_targets (campaign_id, feature_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
      [c.id, c.targetIds],
    );
  }
}

/** Grids of the sample's renovation campaign whose targets last changed this many days ago (see quietSampleGrids). */
const QUIET_GRIDS = 3;
const QUIET_DAYS = 9;

/**
 * The sample has no history, so every point looks changed at load time and no campaign grid could ever look
 * stalled in the demo. The three grids of the unmanaged-compound campaign with the most unfinished targets get
 * their targets' last change QUIET_DAYS ago, so the stalled-campaign alert (server/src/alerts) has something to show.
 */
async function quietSampleGrids(tx: Queryable): Promise<void> {
  await tx.query(
    `WITH quiet AS (
       SELECT left(t.region_code, 14) AS grid FROM campaign_targets AS ct JOIN compounds AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = 'unmanaged-compounds' AND t.status NOT IN ('done', 'verified') AND length(t.region_code) >= 14
        GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT $1)
     UPDATE compounds AS t SET updated_at = now() - make_interval(days => $2::integer)
       FROM campaign_targets AS ct, quiet
      WHERE ct.campaign_id = 'unmanaged-compounds' AND ct.feature_id = t.id AND left(t.region_code, 14) = quiet.grid`,
    [QUIET_GRIDS, QUIET_DAYS],
  );
}

/**
 * The regional Party-building ledger (geodata/ledger.ts): records, three lists, service items and funds, after the
 * member units they name. Dates shift like every other date of the sample, and the funds' year with them, so
 * "the last 12 months" and "this year" hold whenever the sample is loaded.
 */
async function insertLedger(tx: Queryable, text: string, shiftDays: number, referenceDate: string): Promise<void> {
  const ledger = JSON.parse(text) as Record<'records' | 'lists' | 'serviceItems' | 'funds', unknown[]>;
  const rows = (key: keyof typeof ledger) => JSON.stringify(ledger[key]);
  await tx.query(
    `INSERT INTO ledger_records (id, kind, region_code, title, occurred_on, solved_on, member_unit_ids, created_by)
     SELECT r->>'id', r->>'kind', r->>'regionCode', r->>'title', (r->>'occurredOn')::date + $2::integer,
            (r->>'solvedOn')::date + $2::integer, ARRAY(SELECT jsonb_array_elements_text(r->'memberUnitIds')), 'sample'
       FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (id) DO NOTHING`,
    [rows('records'), shiftDays],
  );
  await tx.query(
    `INSERT INTO ledger_list_entries (id, list, region_code, title, status, member_unit_id, created_by)
     SELECT r->>'id', r->>'list', r->>'regionCode', r->>'title', r->>'status', r->>'memberUnitId', 'sample'
       FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (id) DO NOTHING`,
    [rows('lists')],
  );
  await tx.query(
    `INSERT INTO ledger_service_items (id, category, region_code, title, member_unit_id)
     SELECT r->>'id', r->>'category', r->>'regionCode', r->>'title', r->>'memberUnitId'
       FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (id) DO NOTHING`,
    [rows('serviceItems')],
  );
  await tx.query(
    `INSERT INTO ledger_funds (id, kind, region_code, year, amount_wan, created_by)
     SELECT r->>'id', r->>'kind', r->>'regionCode',
            (r->>'year')::integer + extract(year FROM $2::date + $3::integer)::integer - extract(year FROM $2::date)::integer,
            (r->>'amountWan')::numeric, 'sample'
       FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (id) DO NOTHING`,
    [rows('funds'), referenceDate, shiftDays],
  );
}

/** A deterministic number 0 … 2^28−1 from a text, the same on both backends (md5, unlike hashtext, is specified). */
const hashSql = (text: string) => `('x' || substr(md5(${text}), 1, 7))::bit(28)::int`;

/**
 * Sample history of every building group (migrations/012), made in SQL from the committed regions so no file
 * grows by 5,000 rows: 1–3 star ratings a year apart whose latest is the committed star rating (regions.star_rating
 * stays what it was), and 1–5 三会 meetings over the last 14 months. Days count back from `now`.
 */
async function insertBuildingGroupRecords(tx: Queryable, now: Date): Promise<void> {
  const today = now.toISOString().slice(0, 10);
  await tx.query(
    `INSERT INTO star_ratings (region_code, stars, rated_on, reason, rated_by)
     SELECT r.code,
            CASE WHEN k = 0 THEN r.star_rating ELSE greatest(1, least(5, r.star_rating - k + ${hashSql(`r.code || ':s' || k`)} % 2)) END,
            $1::date - (10 + ${hashSql(`r.code || ':d'`)} % 50) - 365 * k,
            (ARRAY['年度星级楼组评定', '楼组环境整治成效明显', '党小组活动开展规范', '居民自治制度落实到位', '楼道杂物清理不彻底，复评'])
              [1 + ${hashSql(`r.code || ':r' || k`)} % 5],
            'sample'
       FROM regions AS r, generate_series(0, ${hashSql(`r.code || ':n'`)} % 3) AS k
      WHERE r.level = 'building_group' AND r.star_rating IS NOT NULL`,
    [today],
  );
  await tx.query(
    `INSERT INTO building_group_meetings (region_code, kind, held_on, topic, attendees, outcome, created_by)
     SELECT r.code, (ARRAY['situation', 'deliberation', 'review'])[1 + h % 3],
            $1::date - (3 + (h / 7) % 420),
            (ARRAY['楼道照明和消防通道', '加装电梯意见征集', '楼院停车秩序', '垃圾分类桶站设置', '老旧管网改造方案', '物业服务满意度',
                   '楼组党小组工作', '微心愿认领情况', '邻里矛盾排查', '楼院绿化认养'])[1 + (h / 3) % 10],
            8 + (h / 11) % 30,
            (ARRAY['形成共识，报社区党组织', '确定分工，限期落实', '意见已反馈物业，持续跟踪', '评议结果张榜公示', '列入下月议事清单'])[1 + (h / 13) % 5],
            'sample'
       FROM regions AS r, generate_series(0, ${hashSql(`r.code || ':m'`)} % 5) AS k,
            LATERAL (SELECT ${hashSql(`r.code || ':m' || k`)} AS h) AS x
      WHERE r.level = 'building_group'`,
    [today],
  );
}

/**
 * Demo accounts of API.md: admin, leader and display over the district, and one coordinator per grid. They share
 * one argon2 hash (same password; hashing ~1,000 accounts one by one would take a minute at every first start).
 */
async function insertDemoUsers(tx: Queryable, passwordHash: string): Promise<void> {
  await tx.query(
    `INSERT INTO users (username, password_hash, role, region_code, demo)
     VALUES ('admin', $1, 'admin', '410105', true), ('leader', $1, 'leader', '410105', true),
            ('display', $1, 'display', '410105', true)
     ON CONFLICT (username) DO NOTHING`,
    [passwordHash],
  );
  await tx.query(
    `INSERT INTO users (username, password_hash, role, region_code, demo)
     SELECT 'grid-' || code, $1, 'coordinator', code, true FROM regions WHERE level = 'grid'
     ON CONFLICT (username) DO NOTHING`,
    [passwordHash],
  );
  // Accounts inserted after migration 005 backfilled user_regions: their one region is their first root.
  await tx.query(
    `INSERT INTO user_regions (username, region_code) SELECT username, region_code FROM users WHERE demo
     ON CONFLICT DO NOTHING`,
  );
}
