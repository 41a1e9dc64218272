/**
 * Who is using the client: the bearer token sent with every /api request.
 *
 * The token lives in localStorage so a reload (or an unattended wall display restarting its browser) keeps the
 * session. `status` is what the UI switches on: App.svelte shows the login form (lib/ui/LoginForm.svelte) for
 * anything but 'authenticated'; 'unauthorized' is raised by the HTTP client on any 401, so an expired token
 * brings the form back with an explanation.
 */
import type { LoginResponse, SessionUser } from '$contract/auth';
import { STORAGE_KEYS } from './storage-keys';

const STORAGE_KEY = STORAGE_KEYS.token;
const USER_KEY = STORAGE_KEYS.user;

export type SessionStatus = 'anonymous' | 'authenticated' | 'unauthorized';

function readToken(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function readUser(): SessionUser | null {
  try {
    const v = JSON.parse(localStorage.getItem(USER_KEY) ?? 'null') as SessionUser | null;
    return v && typeof v.username === 'string' && typeof v.regionCode === 'string' ? v : null;
  } catch {
    return null;
  }
}

export class SessionState {
  token = $state<string | null>(readToken());
  /** Who the token belongs to, as the login answer said (display only: the server decides what is allowed). */
  user = $state.raw<SessionUser | null>(readUser());
  /** Set when the server answered 401: the token is missing, expired or revoked. */
  unauthorized = $state(false);

  status: SessionStatus = $derived(this.unauthorized ? 'unauthorized' : this.token ? 'authenticated' : 'anonymous');

  constructor() {
    // Another tab signing in or out should not leave this one sending a stale token.
    if (typeof window !== 'undefined') {
      window.addEventListener('storage', (e) => {
        if (e.key !== STORAGE_KEY && e.key !== USER_KEY) return;
        this.token = readToken();
        this.user = readUser();
        this.unauthorized = false;
      });
    }
  }

  /** Keep the answer of POST /api/auth/login (or a display token given in a wall URL, without a user). */
  signIn(login: LoginResponse | { token: string; user?: undefined }): void {
    this.token = login.token;
    this.user = login.user ?? null;
    this.unauthorized = false;
    try {
      localStorage.setItem(STORAGE_KEY, login.token);
      if (login.user) localStorage.setItem(USER_KEY, JSON.stringify(login.user));
      else localStorage.removeItem(USER_KEY);
    } catch {
      /* the session still works until the tab closes */
    }
  }

  signOut(): void {
    this.token = null;
    this.user = null;
    try {
      localStorage.removeItem(STORAGE_KEY);
      localStorage.removeItem(USER_KEY);
    } catch {
      /* nothing stored */
    }
  }

  /**
   * The user signs out (header button). Tokens are stateless JWTs, so there is nothing to revoke on the server:
   * dropping it here is the whole logout. Not 'unauthorized': nothing went wrong, the form needs no warning.
   */
  logout(): void {
    this.signOut();
    this.unauthorized = false;
  }

  /** Called by the HTTP client on a 401. The token is dropped: the server has said it is worthless. */
  markUnauthorized(): void {
    this.signOut();
    this.unauthorized = true;
  }
}

export const session = new SessionState();
