/**
 * POST /api/auth/login. Not routed through getJson: a 401 here means "wrong password", not "your session
 * expired", so it must not flip the session to 'unauthorized' (http.ts does that on every other 401).
 */
import type { ErrorBody } from '$contract/errors';
import type { LoginResponse } from '$contract/auth';
import { ApiError } from './http';

/** A refused login. `retryAfter` (seconds) comes with a 429 from the failed-login limiter. */
export class LoginError extends ApiError {
  constructor(status: number, code: string, message: string, readonly retryAfter?: number) {
    super(status, code, message);
    this.name = 'LoginError';
  }
}

const TIMEOUT_MS = 20_000;

export async function postLogin(username: string, password: string): Promise<LoginResponse> {
  let res: Response;
  try {
    res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === 'TimeoutError';
    throw new LoginError(0, timedOut ? 'timeout' : 'network_error', e instanceof Error ? e.message : String(e));
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new LoginError(res.status, res.ok ? 'bad_response' : 'http_error', `login answered ${res.status} without JSON`);
  }
  if (!res.ok) {
    const err = body as Partial<ErrorBody> & { retryAfter?: unknown };
    const retryAfter = Number(res.headers.get('retry-after') ?? err.retryAfter);
    throw new LoginError(res.status, err.error ?? 'http_error', err.message ?? `login answered ${res.status}`, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  const login = body as LoginResponse;
  if (typeof login?.token !== 'string' || typeof login.user?.regionCode !== 'string') {
    throw new LoginError(res.status, 'bad_response', 'unexpected login payload');
  }
  return login;
}
