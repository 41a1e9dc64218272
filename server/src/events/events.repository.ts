import type { Db, Transaction } from '../db/db.js';
import type { ChangeEvent, EventsPage } from '../contract/events.js';

const EVENT_COLUMNS = `seq, at, actor, layer, feature_id AS id, region_code AS "regionCode", region_path AS "regionPath", op, before, after`;
const NUMBERED_COLUMNS = `write_id AS "writeId", ${EVENT_COLUMNS}`;

const withoutWriteId = ({ writeId: _, ...event }: ChangeEvent & { writeId: number }): ChangeEvent => event;

export type NewEvent = Omit<ChangeEvent, 'seq' | 'at' | 'regionPath'>;

type Waiter = { resolve: (e: ChangeEvent) => void; reject: (err: unknown) => void };

/** Attempts of a failed numbering batch before its waiters get the error (their writes stay pending, numbered later). */
const BATCH_ATTEMPTS = 5;

/** The append-only event log. */
export class EventsRepository {
  /** Committed writes of this process waiting for their seq, by pending id (a replayed retry waits for the same). */
  private readonly waiting = new Map<number, Waiter[]>();
  private numbering = false;

  constructor(private readonly db: Db) {}

  /**
   * Ends the transaction with its event and commits; resolves with the event once it has its seq.
   * With `answer`, the idempotency record of the write gets its answer `{ feature, seq }` (first `{ feature, write }`,
   * the seq once numbered: a retry that arrives in between waits for it through seqOf).
   *
   * Numbering (migrations/008): on PostgreSQL the write commits without touching the counter, and one batch
   * (number_events) numbers every committed pending event, so the counter's row lock is taken once per batch
   * instead of being held by each write through its WAL flush. Embedded, the transaction numbers its own event
   * before it commits: PGlite runs one transaction at a time anyway, and a batch could not run before it ends.
   */
  async appendAndCommit(tx: Transaction, e: NewEvent, answer?: { username: string; key: string; feature: unknown }): Promise<ChangeEvent> {
    const insert = `WITH w AS (
         INSERT INTO pending_events (actor, layer, feature_id, region_code, op, before, after, idem_username, idem_key)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $9, $8) RETURNING id),
       answer AS (UPDATE idempotency_keys SET response = jsonb_build_object('feature', $10::jsonb, 'write', (SELECT id FROM w))
                   WHERE username = $9 AND key = $8)
       SELECT id FROM w`;
    const params = [
      e.actor, e.layer, e.id, e.regionCode, e.op, JSON.stringify(e.before), JSON.stringify(e.after),
      answer?.key ?? null, answer?.username ?? null, JSON.stringify(answer?.feature ?? null),
    ];
    if (this.db.kind === 'embedded') {
      const [{ id }] = await tx.query<{ id: number }>(insert, params);
      const rows = await tx.queryAndCommit<ChangeEvent & { writeId: number }>(`SELECT ${NUMBERED_COLUMNS} FROM number_events($1::bigint[])`, [[id]]);
      return withoutWriteId(rows.find((r) => r.writeId === id)!);
    }
    const [{ id }] = await tx.queryAndCommit<{ id: number }>(insert, params);
    return this.seqOf(id);
  }

  /** The event of a committed write (pending id), once numbered — by this process's next batch or another's. */
  seqOf(writeId: number): Promise<ChangeEvent> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(writeId) ?? [];
      waiters.push({ resolve, reject });
      this.waiting.set(writeId, waiters);
      if (!this.numbering) void this.numberAll();
    });
  }

  /**
   * Numbers batches until no write of this process waits: one batch at a time, so writes that commit while one
   * runs share the next. Waiters are answered in seq order.
   */
  private async numberAll(): Promise<void> {
    this.numbering = true;
    try {
      while (this.waiting.size) {
        const wanted = [...this.waiting.keys()];
        let rows: Array<ChangeEvent & { writeId: number }> | undefined;
        for (let attempt = 1; !rows; attempt++) {
          try {
            rows = await this.db.query<ChangeEvent & { writeId: number }>(`SELECT ${NUMBERED_COLUMNS} FROM number_events($1::bigint[])`, [wanted]);
          } catch (err) {
            if (attempt === BATCH_ATTEMPTS) {
              for (const id of wanted) for (const w of this.take(id)) w.reject(err);
              break;
            }
            await new Promise((r) => setTimeout(r, 50 * attempt));
          }
        }
        if (!rows) continue;
        rows.sort((a, b) => a.seq - b.seq);
        for (const row of rows) for (const w of this.take(row.writeId)) w.resolve(withoutWriteId(row));
        // Committed before it was wanted, so numbered by now; anything else is a bug, not a reason to spin.
        for (const id of wanted) for (const w of this.take(id)) w.reject(new Error(`event of write ${id} was not numbered`));
      }
    } finally {
      // Cleared in the same synchronous step as the last check of the loop: a waiter added later starts a new run.
      this.numbering = false;
    }
  }

  private take(writeId: number): Waiter[] {
    const waiters = this.waiting.get(writeId) ?? [];
    this.waiting.delete(writeId);
    return waiters;
  }

  /** Numbers writes left pending by a process that stopped between its commit and its batch (at start). */
  async numberPending(): Promise<void> {
    await this.db.query(`SELECT count(*) FROM number_events('{}')`);
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

  /** Events from..to (inclusive), in seq order. */
  async range(from: number, to: number): Promise<ChangeEvent[]> {
    return this.db.query<ChangeEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, [from, to]);
  }

  async lastSeq(): Promise<number> {
    const [row] = await this.db.query<{ last: number }>('SELECT last FROM event_seq');
    return row.last;
  }

  async history(layer: string, id: string): Promise<ChangeEvent[]> {
    return this.db.query<ChangeEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE layer = $1 AND feature_id = $2 ORDER BY seq`, [layer, id]);
  }
}
