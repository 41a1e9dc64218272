import type { Queryable } from '../db/db.js';
import type { Role } from '../contract/auth.js';
import type { RegionLevel } from '../contract/regions.js';
import { REGION_CODES_SQL } from '../auth/auth.repository.js';

/** A user row as the admin API sees it, before region names are added. Never a password hash. */
export interface UserRecord {
  username: string;
  role: Role;
  regionCodes: string[];
  disabled: boolean;
  demo: boolean;
  createdAt: string;
}

export interface UserListFilter {
  /** LIKE prefixes of the admin's subtrees: only users whose every region lies inside them are listed. */
  within: string[];
  q?: string;
  role?: Role;
  limit: number;
}

export interface UserChanges {
  role?: Role;
  regionCodes?: string[];
  disabled?: boolean;
  passwordHash?: string;
  /** Ends sessions: tokens issued before this instant are refused. */
  sessionsValidAfter?: Date;
}

const USER_COLUMNS = `u.username, u.role, ${REGION_CODES_SQL} AS "regionCodes", u.disabled, u.demo, u.created_at AS "createdAt"`;

/** Users and their region roots (users + user_regions, migration 005). */
export class UsersRepository {
  constructor(private readonly db: Queryable) {}

  async list(f: UserListFilter): Promise<{ users: UserRecord[]; total: number }> {
    const like = f.q ? `%${f.q.replace(/[\\%_]/g, '\\$&')}%` : null;
    const rows = await this.db.query<UserRecord & { total: number }>(
      `SELECT ${USER_COLUMNS}, count(*) OVER () AS total FROM users AS u
        WHERE u.region_code LIKE ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM user_regions AS o WHERE o.username = u.username AND NOT o.region_code LIKE ANY($1::text[]))
          AND ($2::text IS NULL OR u.role = $2)
          AND ($3::text IS NULL OR u.username ILIKE $3 OR EXISTS (
                SELECT 1 FROM user_regions AS m JOIN regions AS r ON r.code = m.region_code
                 WHERE m.username = u.username AND (m.region_code LIKE $4 || '%' OR r.name ILIKE $3)))
        ORDER BY u.demo, u.username
        LIMIT $5`,
      [f.within, f.role ?? null, like, f.q ?? '', f.limit],
    );
    return { users: rows.map(({ total: _, ...u }) => u), total: rows[0]?.total ?? 0 };
  }

  /** One user; `lock` holds the row until the transaction ends (concurrent edits queue). */
  async find(q: Queryable, username: string, lock = false): Promise<UserRecord | undefined> {
    const [row] = await q.query<UserRecord>(`SELECT ${USER_COLUMNS} FROM users AS u WHERE u.username = $1${lock ? ' FOR UPDATE' : ''}`, [
      username,
    ]);
    return row;
  }

  /** Inserts the user; false when the username is taken. */
  async insert(q: Queryable, user: { username: string; passwordHash: string; role: Role; regionCodes: string[] }): Promise<boolean> {
    const rows = await q.query(
      `INSERT INTO users (username, password_hash, role, region_code) VALUES ($1, $2, $3, $4)
       ON CONFLICT (username) DO NOTHING RETURNING username`,
      [user.username, user.passwordHash, user.role, user.regionCodes[0]],
    );
    if (!rows.length) return false;
    await this.setRegions(q, user.username, user.regionCodes);
    return true;
  }

  async update(q: Queryable, username: string, c: UserChanges): Promise<void> {
    await q.query(
      `UPDATE users SET role = COALESCE($2, role), region_code = COALESCE($3, region_code), disabled = COALESCE($4, disabled),
              password_hash = COALESCE($5, password_hash), sessions_valid_after = COALESCE($6::timestamptz, sessions_valid_after)
        WHERE username = $1`,
      [username, c.role ?? null, c.regionCodes?.[0] ?? null, c.disabled ?? null, c.passwordHash ?? null, c.sessionsValidAfter?.toISOString() ?? null],
    );
    if (c.regionCodes) await this.setRegions(q, username, c.regionCodes);
  }

  /** Names and levels of the regions that exist among `codes`. */
  async regions(codes: string[], q: Queryable = this.db): Promise<{ code: string; name: string; level: RegionLevel }[]> {
    if (!codes.length) return [];
    return q.query(`SELECT code, name, level FROM regions WHERE code = ANY($1::text[])`, [codes]);
  }

  private async setRegions(q: Queryable, username: string, codes: string[]): Promise<void> {
    await q.query(`DELETE FROM user_regions WHERE username = $1`, [username]);
    await q.query(`INSERT INTO user_regions (username, region_code) SELECT $1, unnest($2::text[])`, [username, codes]);
  }
}
