/**
 * The users table of /admin: the list as the server filtered it, and the actions on it. A newer load aborts the
 * one in flight (typing in the filter box).
 */
import type { AdminUser, UserCreate, UserPatch } from '$contract/admin';
import type { Role } from '$contract/auth';
import { createUser, fetchUsers, updateUser } from '../../../lib/api/admin';
import { ApiError } from '../../../lib/api/http';
import { adminErrorText } from '../errors';

export class UsersState {
  users = $state.raw<AdminUser[]>([]);
  total = $state(0);
  q = $state('');
  role = $state<Role | ''>('');
  loading = $state(false);
  /** The last failure of loading the list (actions report their own). */
  error = $state<string | null>(null);
  #abort: AbortController | undefined;

  async load(): Promise<void> {
    this.#abort?.abort();
    const abort = (this.#abort = new AbortController());
    this.loading = true;
    try {
      const list = await fetchUsers({ q: this.q.trim(), role: this.role }, { signal: abort.signal });
      this.users = list.users;
      this.total = list.total;
      this.error = null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'aborted') return;
      this.error = adminErrorText(err);
    } finally {
      if (this.#abort === abort) this.loading = false;
    }
  }

  async create(body: UserCreate): Promise<AdminUser> {
    const user = await createUser(body);
    await this.load();
    return user;
  }

  /** Applies a change and replaces the row in a new array (the table keys rows by username). */
  async update(username: string, patch: UserPatch): Promise<AdminUser> {
    const user = await updateUser(username, patch);
    this.users = this.users.map((u) => (u.username === username ? user : u));
    return user;
  }
}
