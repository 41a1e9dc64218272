import type { Queryable, Transaction } from '../db/db.js';
import type { ChangeEvent, EventsPage } from '../contract/events.js';

const EVENT_COLUMNS = `seq, at, actor, layer, feature_id AS id, region_code AS "regionCode", region_path AS "regionPath", op, before, after`;

export type NewEvent = Omit<ChangeEvent, 'seq' | 'at' | 'regionPath'>;

/** The append-only event log. */
export class EventsRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Appends the event as the transaction's last statement and commits. The counter row's lock makes seqs
   * gap-free and committed in order (migrations/003); committing in the same flight holds it for one round trip.
   * With `answer`, the idempotency record of the write gets its answer `{ feature, seq }` in the same statement.
   */
  async appendAndCommit(tx: Transaction, e: NewEvent, answer?: { username: string; key: string; feature: unknown }): Promise<ChangeEvent> {
    const [row] = await tx.queryAndCommit<ChangeEvent>(
      `WITH next AS (UPDATE event_seq SET last = last + 1 RETURNING last),
       answer AS (UPDATE idempotency_keys SET response = jsonb_build_object('feature', $9::jsonb, 'seq', (SELECT last FROM next))
                   WHERE username = $10 AND key = $8)
       INSERT INTO events (seq, actor, layer, feature_id, region_code, region_path, op, before, after)
       SELECT next.last, $1, $2, $3, $4::text, COALESCE(region_path($4::text), '{}'), $5, $6::jsonb, $7::jsonb FROM next
       RETURNING ${EVENT_COLUMNS}`,
      [
        e.actor, e.layer, e.id, e.regionCode, e.op, JSON.stringify(e.before), JSON.stringify(e.after),
        answer?.key ?? null, JSON.stringify(answer?.feature ?? null), answer?.username ?? null,
      ],
    );
    return row;
  }

  /**
   * Events after `since` within the subtrees of `regionCodes` (district-wide events without a region, such as
   * imports and administration, belong to the district), and the newest committed seq — one statement, so one
   * snapshot.
   */
  async since(since: number, limit: number, regionCodes: string[]): Promise<EventsPage> {
    const rows = await this.db.query<ChangeEvent & { last: number }>(
      `SELECT s.last, e.* FROM (SELECT last FROM event_seq) AS s
       LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM events
          WHERE seq > $1 AND (region_code LIKE ANY ($3::text[]) OR (region_code IS NULL AND $4::boolean))
          ORDER BY seq LIMIT $2) AS e ON true`,
      // Region codes are digits only, so they make safe LIKE prefixes.
      [since, limit, regionCodes.map((c) => `${c}%`), regionCodes.some((c) => c.length === 6)],
    );
    const last = rows[0].last;
    const events = rows.filter((r) => r.seq !== null).map(({ last: _, ...e }) => e);
    return { events, last };
  }

  async lastSeq(): Promise<number> {
    const [row] = await this.db.query<{ last: number }>('SELECT last FROM event_seq');
    return row.last;
  }

  async history(layer: string, id: string): Promise<ChangeEvent[]> {
    return this.db.query<ChangeEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE layer = $1 AND feature_id = $2 ORDER BY seq`, [layer, id]);
  }
}
