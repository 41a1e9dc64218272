/** A failure the user caused or may see: its status and machine code reach the client in the error body. */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
    /** Extra top-level fields of the error body (e.g. `current` on a version conflict). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} does not exist`);
export const badRequest = (message: string, details?: unknown[]) => new AppError(400, 'bad_request', message, details);

/**
 * PostgreSQL's "data exception" class (SQLSTATE 22xxx): a value the request carried that the database cannot
 * store or compare — a NUL character in text (22021), a number out of range of its column (22003, 22P02 for
 * `Infinity` as a bigint). All SQL is parameterised, so such a value came from the client: a 400, not a 5xx.
 */
export const isBadValue = (err: unknown): boolean => /^22[0-9A-Z]{3}$/.test(String((err as { code?: unknown })?.code));
/** Seconds a client should wait before trying again while the database is unreachable (`Retry-After`). */
export const DB_RETRY_AFTER_S = 5;

export const dbUnavailable = () =>
  new AppError(503, 'db_unavailable', 'The database is unreachable; try again shortly', undefined, { retryAfter: DB_RETRY_AFTER_S });

/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown), and socket errors. */
const DB_DOWN_CODE = /^(08...|57P0[1-3]|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH)$/;
// node-postgres raises plain Errors without a code when a connection dies under a query (pg/lib/client.js).
const PG_CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/** Whether an error means "the database is unreachable" (retry later), not "this request was wrong". */
export function isDbUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || err instanceof AppError) return false;
  return DB_DOWN_CODE.test(String(e.code)) || (e.code === undefined && PG_CONNECTION_LOST.test(String(e.message)));
}

export const diskFull = () =>
  new AppError(507, 'insufficient_storage', "The server's disk is full: nothing was saved. Try again once space is freed", undefined, {
    retryAfter: 60,
  });

/** ENOSPC and friends from the file system (photos, imports), SQLSTATE 53100 disk_full from either database. */
export function isDiskFull(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code);
  return !(err instanceof AppError) && /^(ENOSPC|EDQUOT|EFBIG|53100)$/.test(code);
}
