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
