import type { LoginResponse, SessionUser } from '../contract/auth.js';
import { AppError } from '../errors.js';
import type { AuthRepository } from './auth.repository.js';
import { FailureLimiter } from './failure-limiter.js';
import { verifyPassword } from './password.js';

const FAILURE_WINDOW_MS = 15 * 60_000;
// A shared password typed wrong a few times is normal; hundreds from one address is guessing.
const MAX_FAILURES_PER_USER = 5;
const MAX_FAILURES_PER_ADDRESS = 30;

export type TokenSigner = (user: SessionUser) => string;

export class AuthService {
  private readonly byUser = new FailureLimiter(MAX_FAILURES_PER_USER, FAILURE_WINDOW_MS);
  private readonly byAddress = new FailureLimiter(MAX_FAILURES_PER_ADDRESS, FAILURE_WINDOW_MS);

  constructor(
    private readonly users: AuthRepository,
    private readonly sign: TokenSigner,
  ) {}

  async login(username: string, password: string, address: string): Promise<LoginResponse> {
    const wait = Math.max(this.byUser.retryAfter(username), this.byAddress.retryAfter(address));
    if (wait > 0) {
      throw new AppError(429, 'too_many_attempts', `Too many failed logins; try again in ${Math.ceil(wait / 1000)} s`, undefined, {
        retryAfter: Math.ceil(wait / 1000),
      });
    }
    const row = await this.users.findUser(username);
    // Verify against a hash even for unknown users would equalise timing; argon2 verify of a bad hash is fast,
    // so unknown users are answered a bit sooner — acceptable here, usernames of coordinators are not secret.
    if (!row || !(await verifyPassword(row.passwordHash, password))) {
      this.byUser.fail(username);
      this.byAddress.fail(address);
      throw new AppError(401, 'bad_credentials', 'Wrong username or password');
    }
    const user: SessionUser = { username: row.username, role: row.role, regionCode: row.regionCode, regionCodes: [row.regionCode] };
    return { token: this.sign(user), user };
  }
}

/** Reads are limited to the user's region subtree; codes are hierarchical, so that is a prefix test. */
export function assertCanRead(user: SessionUser, regionCode: string): void {
  if (!regionCode.startsWith(user.regionCode)) {
    throw new AppError(403, 'forbidden_region', `Region ${regionCode} is outside your area (${user.regionCode})`);
  }
}
