import type { Queryable } from '../db/db.js';
import type { Role } from '../contract/auth.js';

export interface UserRow {
  username: string;
  passwordHash: string;
  role: Role;
  regionCode: string;
}

export class AuthRepository {
  constructor(private readonly db: Queryable) {}

  async findUser(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db.query<UserRow>(
      `SELECT username, password_hash AS "passwordHash", role, region_code AS "regionCode" FROM users WHERE username = $1`,
      [username],
    );
    return row;
  }

  async countDemoUsers(): Promise<number> {
    const [row] = await this.db.query<{ n: number }>('SELECT count(*) AS n FROM users WHERE demo');
    return row.n;
  }
}
