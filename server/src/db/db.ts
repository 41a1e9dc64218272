/**
 * One small database interface with two implementations — node-postgres (`DATABASE_URL`) and embedded PGlite +
 * PostGIS — so every query and every migration is the same SQL on both backends.
 *
 * Result types are normalised here so both return the same shapes: int8 and numeric → number, timestamptz →
 * ISO-8601 string, json/jsonb → parsed value. Pass JSON parameters as strings and cast them in SQL (`$1::jsonb`):
 * the two drivers serialise objects differently.
 */
export type Row = Record<string, any>;

export interface Queryable {
  /** One parameterised statement. */
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A parameter-less multi-statement script (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Transaction extends Queryable {
  /**
   * Runs the transaction's last statement and its COMMIT in one flight, with nothing in between: row locks the
   * statement takes are then held for one round trip, however busy this process is. Nothing may be queried on
   * the transaction after it; its connection is free again (the write may still await its event's seq).
   */
  queryAndCommit<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Runs fn in one transaction; commits when it resolves (or at queryAndCommit), rolls back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** OIDs of the types normalised by both implementations. */
export const TYPE_OIDS = { int8: 20, numeric: 1700, timestamptz: 1184, timestamp: 1114 } as const;

export const toNumber = (v: string) => Number(v);
/** Postgres prints `2026-11-01 08:00:00.123+00`; Date parses it, and the wire carries ISO-8601. */
export const toIsoTimestamp = (v: string) => new Date(v.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();

export interface OpenDbOptions {
  databaseUrl?: string;
  dataDir: string;
}

/** Opens the configured backend: real PostgreSQL when a URL is given, else embedded PGlite under dataDir. */
export async function openDb(options: OpenDbOptions): Promise<Db> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./postgres.db.js');
    return openPostgres(options.databaseUrl);
  }
  const { openEmbedded } = await import('./embedded.db.js');
  return openEmbedded(options.dataDir);
}
