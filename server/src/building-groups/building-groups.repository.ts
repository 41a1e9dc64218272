import type { Queryable } from '../db/db.js';
import type { Meeting, MeetingCreate, MeetingKind, Rating, RatingCreate } from '../contract/building-groups.js';
import { iso } from '../layers/layers.repository.js';

const MEETING_COLUMNS = `m.id, m.region_code AS "regionCode", r.name AS "regionName", m.kind, m.held_on::text AS "heldOn", m.topic,
  m.attendees, m.outcome, m.created_by AS "createdBy", ${iso('m.created_at')} AS "createdAt"`;
const RATING_COLUMNS = `s.id, s.region_code AS "regionCode", s.stars, s.rated_on::text AS "ratedOn", s.reason, s.rated_by AS "ratedBy",
  ${iso('s.created_at')} AS "createdAt"`;

/** All SQL about a building group's records (migrations/012): 三会 meetings and 星级 ratings. */
export class BuildingGroupsRepository {
  constructor(private readonly db: Queryable) {}

  /** Whether the region's stored outline lies inside one of the user's regions (the spatial write check). */
  async isInside(code: string, roots: string[]): Promise<boolean> {
    const [row] = await this.db.query<{ inside: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM regions AS b, regions AS r
                       WHERE b.code = $1 AND r.code = ANY ($2::text[]) AND ST_Covers(r.geom, ST_PointOnSurface(b.geom))) AS inside`,
      [code, roots],
    );
    return row.inside;
  }

  /** One page of a subtree's meetings, newest first (held_on, then entry order), and how many there are. */
  async meetings(code: string, limit: number, offset: number): Promise<{ meetings: Meeting[]; total: number }> {
    const [rows, [{ total }]] = await Promise.all([
      this.db.query<Meeting>(
        `SELECT ${MEETING_COLUMNS} FROM building_group_meetings AS m JOIN regions AS r ON r.code = m.region_code
          WHERE m.region_code LIKE $1 || '%' ORDER BY m.held_on DESC, m.id DESC LIMIT $2 OFFSET $3`,
        [code, limit, offset],
      ),
      this.db.query<{ total: number }>(`SELECT count(*)::int AS total FROM building_group_meetings WHERE region_code LIKE $1 || '%'`, [code]),
    ]);
    return { meetings: rows, total };
  }

  /** Meetings per kind held in the subtree from `since` (YYYY-MM-DD) on. */
  async countByKind(code: string, since: string): Promise<{ kind: MeetingKind; n: number }[]> {
    return this.db.query(
      `SELECT kind, count(*)::int AS n FROM building_group_meetings WHERE region_code LIKE $1 || '%' AND held_on >= $2::date GROUP BY kind`,
      [code, since],
    );
  }

  async insertMeeting(tx: Queryable, code: string, m: MeetingCreate, createdBy: string): Promise<Meeting> {
    const [row] = await tx.query<Meeting>(
      `WITH m AS (INSERT INTO building_group_meetings (region_code, kind, held_on, topic, attendees, outcome, created_by)
                  VALUES ($1, $2, $3::date, $4, $5, $6, $7) RETURNING *)
       SELECT ${MEETING_COLUMNS} FROM m JOIN regions AS r ON r.code = m.region_code`,
      [code, m.kind, m.heldOn, m.topic, m.attendees, m.outcome ?? '', createdBy],
    );
    return row;
  }

  /** A building group's ratings, newest first, and its current star_rating. */
  async ratings(code: string): Promise<{ current: number | null; ratings: Rating[] }> {
    const [ratings, [region]] = await Promise.all([
      this.db.query<Rating>(`SELECT ${RATING_COLUMNS} FROM star_ratings AS s WHERE s.region_code = $1 ORDER BY s.rated_on DESC, s.id DESC`, [code]),
      this.db.query<{ current: number | null }>(`SELECT star_rating AS current FROM regions WHERE code = $1`, [code]),
    ]);
    return { current: region?.current ?? null, ratings };
  }

  /**
   * Records a rating and makes regions.star_rating the latest one (by rated_on, then entry order: a backdated
   * rating joins the history without changing the current value). Locks the region so two ratings at once
   * agree on which is the latest. Answers the rating and the current value before and after.
   */
  async insertRating(tx: Queryable, code: string, r: RatingCreate, ratedBy: string): Promise<{ rating: Rating; before: number | null; after: number }> {
    const [{ before }] = await tx.query<{ before: number | null }>(`SELECT star_rating AS before FROM regions WHERE code = $1 FOR UPDATE`, [code]);
    const [rating] = await tx.query<Rating>(
      `WITH s AS (INSERT INTO star_ratings (region_code, stars, rated_on, reason, rated_by) VALUES ($1, $2, $3::date, $4, $5) RETURNING *)
       SELECT ${RATING_COLUMNS} FROM s`,
      [code, r.stars, r.ratedOn, r.reason, ratedBy],
    );
    const [{ after }] = await tx.query<{ after: number }>(
      `UPDATE regions SET star_rating = (SELECT stars FROM star_ratings WHERE region_code = $1 ORDER BY rated_on DESC, id DESC LIMIT 1)
        WHERE code = $1 RETURNING star_rating AS after`,
      [code],
    );
    return { rating, before, after };
  }
}
