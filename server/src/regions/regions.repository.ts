import type { Queryable } from '../db/db.js';
import type { PartyOrg, RegionKpis, RegionRef, RegionStats } from '../contract/regions.js';
import { OPEN_DISPUTE_STATUSES } from '../contract/layers.js';
import { statusAtSql } from '../layers/layers.repository.js';
import { lastTwelveMonths } from '../contract/ledger.js';
import { DISTRICT_UTC_OFFSET_MS } from '../contract/district-day.js';
import { recordCountsSql } from '../ledger/ledger.repository.js';

export interface RegionRow extends RegionRef {
  parentCode: string | null;
  partyOrg: PartyOrg;
  starRating: number | null;
}

// Every roll-up filters on `region_code LIKE $1 || '%'`: codes are hierarchical (enforced by regions_level_code)
// and region_code is assigned spatially, so the prefix is the region's subtree.
const isOpen = (status: string) => `${status} IN (${OPEN_DISPUTE_STATUSES.map((s) => `'${s}'`).join(', ')})`;
const OPEN = isOpen('status');
/** Length of a community code: roll-ups are kept per community (regions.service.ts BucketRollups). */
export const BUCKET_LENGTH = 12;

/** All SQL about regions and their roll-up figures. */
export class RegionsRepository {
  constructor(private readonly db: Queryable) {}

  async find(code: string): Promise<RegionRow | undefined> {
    const [row] = await this.db.query<RegionRow>(
      `SELECT code, name, level, parent_code AS "parentCode", party_org AS "partyOrg", star_rating AS "starRating"
         FROM regions WHERE code = $1`,
      [code],
    );
    return row;
  }

  async findMany(codes: string[]): Promise<RegionRef[]> {
    return this.db.query<RegionRef>(`SELECT code, name, level FROM regions WHERE code = ANY ($1) ORDER BY length(code)`, [codes]);
  }

  async children(code: string): Promise<RegionRef[]> {
    return this.db.query<RegionRef>(`SELECT code, name, level FROM regions WHERE parent_code = $1 ORDER BY code`, [code]);
  }

  /**
   * Figures of GET /api/stats, over the subtree of `code`; with `at`, statuses as they stood then (replay) —
   * the counts of things that exist do not move, the status-dependent ones are read from the event log.
   */
  async stats(code: string, at?: string): Promise<Omit<RegionStats, 'region'>> {
    const status = (layer: Parameters<typeof statusAtSql>[0]) => statusAtSql(layer, '$2::timestamptz');
    const disputeStatus = status('disputes');
    // The ledger's figures over the 12 months up to the district's day of the replay time (or now), as
    // GET /api/ledger/:region counts them.
    const period = lastTwelveMonths(at ? new Date(Date.parse(at) + DISTRICT_UTC_OFFSET_MS) : undefined);
    const [row] = await this.db.query(
      `SELECT
         (SELECT json_object_agg(level, n) FROM (SELECT level, count(*) AS n FROM regions
            WHERE code LIKE $1 || '%' AND code <> $1 GROUP BY level) AS l) AS regions,
         (SELECT json_object_agg(tier, n) FROM (SELECT tier, count(*) AS n FROM service_centres
            WHERE region_code LIKE $1 || '%' GROUP BY tier) AS c) AS centres,
         (SELECT json_object_agg(origin, n) FROM (SELECT origin, count(*) AS n FROM temp_branches AS t
            WHERE region_code LIKE $1 || '%' AND ${status('temp-branches')} = 'active' GROUP BY origin) AS o) AS branches,
         (SELECT json_build_object('total', count(*), 'unmanaged', count(*) FILTER (WHERE kind = 'unmanaged'))
            FROM compounds WHERE region_code LIKE $1 || '%') AS compounds,
         (SELECT json_object_agg(status, n) FROM (SELECT ${status('projects')} AS status, count(*) AS n FROM projects AS t
            WHERE region_code LIKE $1 || '%' GROUP BY 1) AS s) AS projects,
         (SELECT json_build_object(
                   'open', count(*) FILTER (WHERE ${isOpen(disputeStatus)}),
                   'overdue', count(*) FILTER (WHERE ${isOpen(disputeStatus)} AND deadline < COALESCE($2::timestamptz, now())),
                   'resolved', count(*) FILTER (WHERE ${disputeStatus} = 'resolved'))
            FROM disputes AS t WHERE region_code LIKE $1 || '%') AS disputes,
         (SELECT count(*) FROM member_units AS t WHERE region_code LIKE $1 || '%' AND ${status('member-units')} = 'active') AS member_units,
         (SELECT json_build_object(
                   'socialOrgs', COALESCE(sum((facts->>'socialOrgs')::int), 0),
                   'socialWorkers', COALESCE(sum((facts->>'socialWorkers')::int), 0))
            FROM regions WHERE code LIKE $1 || '%') AS facts,
         (SELECT json_build_object(${Object.entries(recordCountsSql('$3', '$4')).map(([k, sql]) => `'${k}', ${sql}`).join(', ')})
            FROM ledger_records WHERE region_code LIKE $1 || '%') AS co_building,
         (SELECT json_build_object('freeItems', count(*), 'categories', count(DISTINCT category))
            FROM ledger_service_items WHERE region_code LIKE $1 || '%') AS items,
         (SELECT count(DISTINCT region_code) FROM ledger_funds
            WHERE region_code LIKE $1 || '%' AND kind = 'charity' AND year = $5) AS charity_streets`,
      [code, at ?? null, period.from, period.to, Number(period.to.slice(0, 4))],
    );
    const count = (obj: Record<string, number> | null, key: string) => Number(obj?.[key] ?? 0);
    const byStatus: Record<string, number> = { planned: 0, in_progress: 0, completed: 0, accepted: 0, ...(row.projects ?? {}) };
    const f = row.facts;
    return {
      regions: {
        street: count(row.regions, 'street'),
        community: count(row.regions, 'community'),
        grid: count(row.regions, 'grid'),
        buildingGroup: count(row.regions, 'building_group'),
      },
      serviceCentres: { street: count(row.centres, 'street'), community500: count(row.centres, '500'), community1000: count(row.centres, '1000') },
      tempBranches: { project: count(row.branches, 'project'), compound: count(row.branches, 'compound') },
      compounds: row.compounds,
      projects: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
      disputes: row.disputes,
      memberUnits: { total: row.member_units },
      coBuilding: row.co_building,
      services: {
        freeItems: row.items.freeItems,
        categories: row.items.categories,
        socialOrgs: f.socialOrgs,
        socialWorkers: f.socialWorkers,
        charityFundStreets: Number(row.charity_streets),
      },
    };
  }

  /**
   * The children of `code` as GeoJSON features with their KPIs (choropleth). Points are grouped by the prefix of
   * their region code that names the child, in one pass per layer.
   */
  async childrenWithKpis(code: string, childCodeLength: number): Promise<GeoJSON.FeatureCollection> {
    const rows = await this.db.query<{ feature: GeoJSON.Feature }>(
      `WITH kids AS (SELECT code, name, level, parent_code, geom FROM regions WHERE parent_code = $1),
       c AS (SELECT left(region_code, $2) AS code, count(*) AS compounds, count(*) FILTER (WHERE kind = 'unmanaged') AS unmanaged
               FROM compounds WHERE region_code LIKE $1 || '%' GROUP BY 1),
       s AS (SELECT left(region_code, $2) AS code, count(*) AS n FROM service_centres WHERE region_code LIKE $1 || '%' GROUP BY 1),
       b AS (SELECT left(region_code, $2) AS code, count(*) AS n FROM temp_branches
               WHERE region_code LIKE $1 || '%' AND status = 'active' GROUP BY 1),
       d AS (SELECT left(region_code, $2) AS code, count(*) FILTER (WHERE ${OPEN}) AS open,
                    count(*) FILTER (WHERE ${OPEN} AND deadline < now()) AS overdue
               FROM disputes WHERE region_code LIKE $1 || '%' GROUP BY 1),
       p AS (SELECT left(region_code, $2) AS code, count(*) AS n FROM projects
               WHERE region_code LIKE $1 || '%' AND status = 'in_progress' GROUP BY 1)
       SELECT json_build_object(
         'type', 'Feature', 'id', kids.code,
         'geometry', ST_AsGeoJSON(kids.geom, 6)::json,
         'properties', json_build_object(
           'code', kids.code, 'name', kids.name, 'level', kids.level, 'parentCode', kids.parent_code,
           'compounds', COALESCE(c.compounds, 0), 'unmanagedCompounds', COALESCE(c.unmanaged, 0),
           'serviceCentres', COALESCE(s.n, 0), 'tempBranches', COALESCE(b.n, 0),
           'openDisputes', COALESCE(d.open, 0), 'overdueDisputes', COALESCE(d.overdue, 0),
           'projectsInProgress', COALESCE(p.n, 0))) AS feature
       FROM kids LEFT JOIN c USING (code) LEFT JOIN s USING (code) LEFT JOIN b USING (code)
                 LEFT JOIN d USING (code) LEFT JOIN p USING (code)
       ORDER BY kids.code`,
      [code, childCodeLength],
    );
    return { type: 'FeatureCollection', features: rows.map((r) => r.feature) };
  }

  /**
   * Roll-up figures per bucket — the first BUCKET_LENGTH characters of a region code (a community; a shallower
   * region's own code for what sits on it directly) — over the codes matching `pattern` (LIKE: `%` for all, a
   * community `c%`, a shallower bucket's exact code). Long format: one row per bucket and metric; every metric is a
   * count or a sum, so a subtree's figures are the sum of its buckets' (RegionsService).
   */
  async bucketFigures(pattern: string): Promise<{ bucket: string; metric: string; n: number }[]> {
    const b = `left(region_code, ${BUCKET_LENGTH})`;
    const period = lastTwelveMonths();
    const ledger = recordCountsSql('$2', '$3');
    return this.db.query(
      `SELECT bucket, metric, n::float8 AS n FROM (
         SELECT left(code, ${BUCKET_LENGTH}) AS bucket, 'region:' || level AS metric, count(*) AS n FROM regions WHERE code LIKE $1 GROUP BY 1, 2
         UNION ALL
         SELECT r.bucket, f.metric, f.n FROM (
           SELECT left(code, ${BUCKET_LENGTH}) AS bucket, sum((facts->>'socialOrgs')::int) AS so, sum((facts->>'socialWorkers')::int) AS sw
             FROM regions WHERE code LIKE $1 GROUP BY 1) AS r
         CROSS JOIN LATERAL (VALUES ('fact:socialOrgs', r.so), ('fact:socialWorkers', r.sw)) AS f(metric, n)
         UNION ALL
         SELECT l.bucket, 'ledger:' || f.metric, f.n FROM (
           SELECT ${b} AS bucket, ${Object.entries(ledger).map(([k, sql]) => `${sql} AS "${k}"`).join(', ')}
             FROM ledger_records WHERE region_code LIKE $1 GROUP BY 1) AS l
         CROSS JOIN LATERAL (VALUES ${Object.keys(ledger).map((k) => `('${k}', l."${k}")`).join(', ')}) AS f(metric, n)
         UNION ALL
         SELECT ${b}, 'serviceItem:' || category, count(*) FROM ledger_service_items WHERE region_code LIKE $1 GROUP BY 1, 2
         UNION ALL
         SELECT ${b}, 'charityFund', count(DISTINCT region_code) FROM ledger_funds WHERE region_code LIKE $1 AND kind = 'charity' AND year = $4 GROUP BY 1
         UNION ALL
         SELECT ${b}, 'centre:' || tier, count(*) FROM service_centres WHERE region_code LIKE $1 GROUP BY 1, 2
         UNION ALL
         SELECT ${b}, 'branch:' || origin, count(*) FROM temp_branches WHERE region_code LIKE $1 AND status = 'active' GROUP BY 1, 2
         UNION ALL
         SELECT c.bucket, f.metric, f.n FROM (
           SELECT ${b} AS bucket, count(*) AS total, count(*) FILTER (WHERE kind = 'unmanaged') AS unmanaged
             FROM compounds WHERE region_code LIKE $1 GROUP BY 1) AS c
         CROSS JOIN LATERAL (VALUES ('compounds', c.total), ('unmanaged', c.unmanaged)) AS f(metric, n)
         UNION ALL
         SELECT ${b}, 'project:' || status, count(*) FROM projects WHERE region_code LIKE $1 GROUP BY 1, 2
         UNION ALL
         SELECT d.bucket, f.metric, f.n FROM (
           SELECT ${b} AS bucket, count(*) FILTER (WHERE ${OPEN}) AS open, count(*) FILTER (WHERE ${OPEN} AND deadline < now()) AS overdue,
                  count(*) FILTER (WHERE status = 'resolved') AS resolved
             FROM disputes WHERE region_code LIKE $1 GROUP BY 1) AS d
         CROSS JOIN LATERAL (VALUES ('disputes:open', d.open), ('disputes:overdue', d.overdue), ('disputes:resolved', d.resolved)) AS f(metric, n)
         UNION ALL
         SELECT ${b}, 'memberUnits', count(*) FROM member_units WHERE region_code LIKE $1 AND status = 'active' GROUP BY 1
       ) AS x WHERE n <> 0`,
      [pattern, period.from, period.to, Number(period.to.slice(0, 4))],
    );
  }

  /** The point-layer events after `since` up to `until`: which features' regions changed what (RegionsService). */
  async eventsBetween(since: number, until: number): Promise<{ layer: string; regionCode: string | null; before: string | null; after: string | null }[]> {
    return this.db.query(
      `SELECT layer, region_code AS "regionCode", before->>'regionCode' AS before, after->>'regionCode' AS after
         FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq`,
      [since, until],
    );
  }

  /** The children of `code` with their outlines as GeoJSON geometry (the choropleth's shapes, KPIs apart). */
  async childShapes(code: string): Promise<{ code: string; name: string; level: string; parentCode: string; geometry: GeoJSON.Geometry }[]> {
    return this.db.query(
      `SELECT code, name, level, parent_code AS "parentCode", ST_AsGeoJSON(geom, 6)::json AS geometry
         FROM regions WHERE parent_code = $1 ORDER BY code`,
      [code],
    );
  }

  /** KPIs of one region's own subtree (the side panel). */
  async kpis(code: string): Promise<RegionKpis> {
    const [row] = await this.db.query<RegionKpis>(
      `SELECT
         (SELECT count(*) FROM compounds WHERE region_code LIKE $1 || '%') AS "compounds",
         (SELECT count(*) FROM compounds WHERE region_code LIKE $1 || '%' AND kind = 'unmanaged') AS "unmanagedCompounds",
         (SELECT count(*) FROM service_centres WHERE region_code LIKE $1 || '%') AS "serviceCentres",
         (SELECT count(*) FROM temp_branches WHERE region_code LIKE $1 || '%' AND status = 'active') AS "tempBranches",
         (SELECT count(*) FROM disputes WHERE region_code LIKE $1 || '%' AND ${OPEN}) AS "openDisputes",
         (SELECT count(*) FROM disputes WHERE region_code LIKE $1 || '%' AND ${OPEN} AND deadline < now()) AS "overdueDisputes",
         (SELECT count(*) FROM projects WHERE region_code LIKE $1 || '%' AND status = 'in_progress') AS "projectsInProgress"`,
      [code],
    );
    return row;
  }
}
