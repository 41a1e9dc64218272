/** Sign-in of the wall's display account (POST /api/auth/login), answered as the contract says. */
import type { LoginResponse } from '$contract/auth';
import type { ErrorBody } from '$contract/errors';

export type LoginFailure = 'bad_credentials' | 'rate_limited' | 'network';

export async function loginDisplay(username: string, password: string): Promise<LoginResponse | LoginFailure> {
  let res: Response;
  try {
    res = await fetch('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch {
    return 'network';
  }
  if (res.status === 429) return 'rate_limited';
  const body = (await res.json().catch(() => null)) as LoginResponse | ErrorBody | null;
  if (res.ok && body && 'token' in body && typeof body.token === 'string') return body;
  return res.status >= 500 || !body ? 'network' : 'bad_credentials';
}
