import type { Queryable } from '../db/db.js';
import type { Role } from '../contract/auth.js';

export interface UserRow {
  username: string;
  passwordHash: string;
  role: Role;
  /** The first (primary) root; equals regionCodes[0]. */
  regionCode: string;
  /** All roots (user_regions), the primary one first. */
  regionCodes: string[];
  disabled: boolean;
  /** Tokens issued before this instant are refused (ISO-8601), or null. */
  sessionsValidAfter: string | null;
}

/**
 * The user's roots from user_regions, the primary one (users.region_code) first; falls back to users.region_code
 * for a row that has none (written by code that predates migration 005).
 */
export const REGION_CODES_SQL = `COALESCE(
  (SELECT array_agg(ur.region_code ORDER BY ur.region_code <> u.region_code, ur.region_code) FROM user_regions AS ur
    WHERE ur.username = u.username),
  ARRAY[u.region_code])`;

/** What a session is checked against: the account without its password hash. */
export type AccountRow = Omit<UserRow, 'passwordHash'>;

/**
 * One account as a JSON AccountRow (null when there is none), as a scalar subquery: a statement that serves a
 * request can read the requesting account in its own snapshot instead of a round trip of its own.
 * `username` is the statement's parameter placeholder, e.g. `$8`.
 */
export const accountSql = (username: string) =>
  `(SELECT json_build_object('username', u.username, 'role', u.role, 'regionCode', u.region_code, 'regionCodes', ${REGION_CODES_SQL},
                             'disabled', u.disabled, 'sessionsValidAfter', u.sessions_valid_after)
      FROM users AS u WHERE u.username = ${username})`;

export class AuthRepository {
  constructor(private readonly db: Queryable) {}

  async findUser(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db.query<UserRow>(
      `SELECT u.username, u.password_hash AS "passwordHash", u.role, u.region_code AS "regionCode",
              ${REGION_CODES_SQL} AS "regionCodes", u.disabled, u.sessions_valid_after AS "sessionsValidAfter"
         FROM users AS u WHERE u.username = $1`,
      [username],
    );
    return row;
  }

  async countDemoUsers(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM users WHERE demo');
    return row.n;
  }
}
