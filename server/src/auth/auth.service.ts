import type { LoginResponse, SessionUser } from '../contract/auth.js';
import { AppError } from '../errors.js';
import type { AccountRow, AuthRepository } from './auth.repository.js';
import { FailureLimiter, type FailureCounter } from './failure-limiter.js';
import { verifyPassword } from './password.js';

const FAILURE_WINDOW_MS = 15 * 60_000;
// A shared password typed wrong a few times is normal; hundreds from one address is guessing.
const MAX_FAILURES_PER_USER = 5;
const MAX_FAILURES_PER_ADDRESS = 30;

export type TokenSigner = (user: SessionUser) => string;

/** Makes a failure counter: in-process by default, in Redis when several processes share the limits. */
export type FailureCounterFactory = (name: 'user' | 'address', max: number, windowMs: number) => FailureCounter;

export class AuthService {
  private readonly byUser: FailureCounter;
  private readonly byAddress: FailureCounter;

  constructor(
    private readonly users: AuthRepository,
    private readonly sign: TokenSigner,
    counter: FailureCounterFactory = (_name, max, windowMs) => new FailureLimiter(max, windowMs),
  ) {
    this.byUser = counter('user', MAX_FAILURES_PER_USER, FAILURE_WINDOW_MS);
    this.byAddress = counter('address', MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW_MS);
  }

  async login(username: string, password: string, address: string): Promise<LoginResponse> {
    const wait = Math.max(await this.byUser.retryAfter(username), await this.byAddress.retryAfter(address));
    if (wait > 0) {
      throw new AppError(429, 'too_many_attempts', `Too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, undefined, {
        retryAfter: Math.ceil(wait / 1000),
      });
    }
    const row = await this.users.findUser(username);
    // Verify against a hash even for unknown users would equalise timing; argon2 verify of a bad hash is fast,
    // so unknown users are answered a bit sooner — acceptable here, usernames of coordinators are not secret.
    if (!row || !(await verifyPassword(row.passwordHash, password))) {
      await Promise.all([this.byUser.fail(username), this.byAddress.fail(address)]);
      throw new AppError(401, 'bad_credentials', 'Wrong username or password');
    }
    // Only after the password verified: a stranger learns nothing about the account from this answer.
    if (row.disabled) throw new AppError(403, 'account_disabled', 'This account is disabled; ask an administrator');
    const user = sessionUser(row);
    return { token: this.sign(user), user };
  }

  /**
   * The user as the database holds them now, for a token issued at `issuedAtMs`: every request and socket
   * handshake re-reads it, so a disable, a password reset or a role or region change takes effect at once.
   */
  async session(username: string, issuedAtMs: number): Promise<SessionUser> {
    return currentSession(await this.users.findUser(username), issuedAtMs);
  }
}

/** The session of an account as read now, for a token issued at `issuedAtMs`; throws 401 when it is refused. */
export function currentSession(row: AccountRow | null | undefined, issuedAtMs: number): SessionUser {
  if (!row) throw new AppError(401, 'unauthorized', 'This account no longer exists');
  if (row.disabled) throw new AppError(401, 'account_disabled', 'This account is disabled; ask an administrator');
  if (row.sessionsValidAfter && issuedAtMs < Date.parse(row.sessionsValidAfter)) {
    throw new AppError(401, 'session_revoked', 'This session has ended (password reset); log in again');
  }
  return sessionUser(row);
}

function sessionUser(row: AccountRow): SessionUser {
  const regionCodes = row.regionCodes.length ? row.regionCodes : [row.regionCode];
  return { username: row.username, role: row.role, regionCode: regionCodes[0], regionCodes };
}

/** The roots of a user's subtrees (tokens signed before regionCodes existed carry only regionCode). */
export const userRoots = (user: SessionUser): string[] => (user.regionCodes?.length ? user.regionCodes : [user.regionCode]);

/** Whether a region lies in one of the user's subtrees; codes are hierarchical, so that is a prefix test. */
export const canRead = (user: SessionUser, regionCode: string): boolean => userRoots(user).some((root) => regionCode.startsWith(root));

/** Reads are limited to the user's region subtrees (any of their roots). */
export function assertCanRead(user: SessionUser, regionCode: string): void {
  if (!canRead(user, regionCode)) {
    throw new AppError(403, 'forbidden_region', `Region ${regionCode} is outside your area (${userRoots(user).join(', ')})`);
  }
}
