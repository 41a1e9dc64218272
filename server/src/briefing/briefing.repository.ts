import type { Db } from '../db/db.js';
import { OPEN_DISPUTE_STATUSES } from '../contract/layers.js';

export interface OutlineRow {
  code: string;
  name: string;
  /** The region itself, or one of its children. */
  own: boolean;
  /** A point inside the outline, for its label. */
  lx: number;
  ly: number;
  geometry: GeoJSON.Polygon | GeoJSON.MultiPolygon;
}

export interface DisputeRow {
  id: string;
  name: string;
  category: string;
  severity: string;
  mediation_level: string;
  status: string;
  deadline: string;
  overdue: boolean;
  region_name: string;
  lon: number;
  lat: number;
}

export interface CentreRow {
  name: string;
  lon: number;
  lat: number;
}

/** The SQL of the printed briefing that no other domain already answers: outlines, dispute rows, centre points. */
export class BriefingRepository {
  constructor(private readonly db: Db) {}

  /** The region's outline and its children's, simplified to what a 17 cm wide map can show (about 5 m). */
  outlines(code: string): Promise<OutlineRow[]> {
    return this.db.query<OutlineRow>(
      `SELECT code, name, code = $1 AS own, ST_X(ST_PointOnSurface(geom)) AS lx, ST_Y(ST_PointOnSurface(geom)) AS ly,
              ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.00005), 6)::json AS geometry
         FROM regions WHERE code = $1 OR parent_code = $1 ORDER BY code`,
      [code],
    );
  }

  /** Open disputes of the subtree, overdue first, then by deadline; with the community (or deeper region) they are in. */
  openDisputes(code: string, limit: number): Promise<DisputeRow[]> {
    return this.db.query<DisputeRow>(
      `SELECT d.id, d.name, d.category, d.severity, d.mediation_level, d.status, d.deadline,
              d.deadline < now() AS overdue, COALESCE(r.name, '') AS region_name, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
         FROM disputes d
         LEFT JOIN regions r ON r.code = left(d.region_code, 12)
        WHERE d.region_code LIKE $1 || '%' AND d.status = ANY($2::text[])
        ORDER BY d.deadline < now() DESC, d.deadline, d.id
        LIMIT $3`,
      [code, [...OPEN_DISPUTE_STATUSES], limit],
    );
  }

  /** Open community centres near the region (within its bounding box grown by the walking distance). */
  centresNear(code: string, distanceM: number): Promise<CentreRow[]> {
    return this.db.query<CentreRow>(
      `SELECT s.name, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat
         FROM service_centres s, regions r
        WHERE r.code = $1 AND s.level = 'community' AND s.status = 'open'
          AND ST_DWithin(s.geom::geography, r.geom::geography, $2, false)
        ORDER BY s.id`,
      [code, distanceM],
    );
  }
}
