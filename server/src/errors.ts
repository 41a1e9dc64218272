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
