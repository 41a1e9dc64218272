import type { Db } from '../db/db.js';

/**
 * A compound is covered when an open community service centre lies within the walking distance. Distances are
 * on the sphere (`use_spheroid = false`): the same great-circle metres as turf.js on the client (its buffers on
 * the map and the tests' independent check); the spheroid would differ by about 0.3 %, far below what walking
 * distance can mean. Both predicates probe service_centres_geog_gist (migrations/014_coverage.sql): the index
 * is on `geom::geography`, the exact expression used here.
 */
const COVERING_CENTRE = `
  SELECT 1 FROM service_centres s
   WHERE s.level = 'community' AND s.status = 'open'
     AND ST_DWithin(s.geom::geography, c.geom::geography, $2, false)`;

/** Compounds and covered compounds of the subtree of $1 within $2 metres, grouped by the first $3 code digits. */
export const COUNTS_SQL = `
  SELECT left(c.region_code, $3) AS code, count(*)::int AS compounds,
         (count(*) FILTER (WHERE EXISTS (${COVERING_CENTRE})))::int AS covered
    FROM compounds c
   WHERE c.region_code LIKE $1 || '%'
   GROUP BY 1`;

export interface CoverageCount {
  /** Region code truncated to the requested length (the child region, or the region itself at a leaf). */
  code: string;
  compounds: number;
  covered: number;
}

export interface UncoveredRow {
  id: string;
  name: string;
  kind: string;
  status: string;
  region_code: string;
  lon: number;
  lat: number;
  distance: number | null;
  centre_id: string | null;
  centre_name: string | null;
}

/** All SQL of the coverage figures. Computed on every request from the current rows: no cache to go stale. */
export class CoverageRepository {
  constructor(private readonly db: Db) {}

  counts(code: string, distanceM: number, groupLength: number): Promise<CoverageCount[]> {
    return this.db.query<CoverageCount>(COUNTS_SQL, [code, distanceM, groupLength]);
  }

  /** Open community centres inside the subtree of `code`. */
  async centres(code: string): Promise<number> {
    const [row] = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM service_centres WHERE level = 'community' AND status = 'open' AND region_code LIKE $1 || '%'`,
      [code],
    );
    return row.n;
  }

  /** Uncovered compounds of the subtree, farthest from a centre first, with their nearest open community centre. */
  uncovered(code: string, distanceM: number, limit: number): Promise<UncoveredRow[]> {
    return this.db.query<UncoveredRow>(
      `SELECT c.id, c.name, c.kind, c.status, c.region_code, ST_X(c.geom) AS lon, ST_Y(c.geom) AS lat,
              n.distance, n.id AS centre_id, n.name AS centre_name
         FROM compounds c
         LEFT JOIN LATERAL (
           SELECT s.id, s.name, ST_Distance(s.geom::geography, c.geom::geography, false) AS distance
             FROM service_centres s
            WHERE s.level = 'community' AND s.status = 'open'
            ORDER BY s.geom::geography <-> c.geom::geography
            LIMIT 1
         ) n ON true
        WHERE c.region_code LIKE $1 || '%' AND NOT EXISTS (${COVERING_CENTRE})
        ORDER BY n.distance DESC NULLS FIRST, c.id
        LIMIT $3`,
      [code, distanceM, limit],
    );
  }
}
