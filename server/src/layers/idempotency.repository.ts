import type { Queryable } from '../db/db.js';

export type IdempotencyClaim = { claimed: true } | { claimed: false; request: string; response: unknown };

/**
 * Stored first answers of writes sent with an Idempotency-Key (migrations/004). The answer itself is stored by
 * EventsRepository.appendAndCommit, in the statement that takes the event's seq.
 */
export class IdempotencyRepository {
  /**
   * Claims the key inside the writing transaction. A concurrent request with the same key blocks on the primary
   * key until this transaction ends, then finds the stored answer (or claims the key if this one rolled back).
   */
  async claim(tx: Queryable, username: string, key: string, request: string): Promise<IdempotencyClaim> {
    const inserted = await tx.query(
      `INSERT INTO idempotency_keys (username, key, request) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key`,
      [username, key, request],
    );
    if (inserted.length) return { claimed: true };
    const [row] = await tx.query<{ request: string; response: unknown }>(
      `SELECT request, response FROM idempotency_keys WHERE username = $1 AND key = $2`,
      [username, key],
    );
    return { claimed: false, request: row.request, response: row.response };
  }
}
