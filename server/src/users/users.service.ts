import type { Db, Queryable } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { AdminUser, AdminUserList, UserCreate, UserPatch } from '../contract/admin.js';
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '../contract/admin.js';
import type { ChangeMessage } from '../contract/events.js';
import { AppError, badRequest, notFound } from '../errors.js';
import { canRead, userRoots } from '../auth/auth.service.js';
import { hashPassword } from '../auth/password.js';
import type { EventsRepository } from '../events/events.repository.js';
import type { UserChanges, UserRecord, UsersRepository } from './users.repository.js';

export interface UsersDeps {
  /** Fans an audit event out after commit (Realtime.publish). */
  publish(message: ChangeMessage): void;
  /** Closes the user's open sockets on every process (Realtime.disconnectUser). */
  disconnectUser(username: string): void;
}

const USERNAME = new RegExp(USERNAME_PATTERN);
const GRID_CODE_LENGTH = 14;

/**
 * User administration. An admin manages only users whose regions all lie inside the admin's own subtrees, and
 * gives only such regions. Every change commits with its audit event (layer 'users'); a change that alters what
 * the user may do (role, regions, disabled, password) also ends their open sockets. Passwords and hashes never
 * reach an answer or the event log.
 */
export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersRepository,
    private readonly events: EventsRepository,
    private readonly deps: UsersDeps,
  ) {}

  async list(admin: SessionUser, q: { q?: string; role?: UserCreate['role']; limit?: number }): Promise<AdminUserList> {
    const { users, total } = await this.users.list({ within: userRoots(admin).map((c) => `${c}%`), q: q.q || undefined, role: q.role, limit: q.limit ?? 500 });
    return { users: await this.withNames(users), total };
  }

  async create(admin: SessionUser, body: UserCreate): Promise<AdminUser> {
    if (!USERNAME.test(body.username)) throw badRequest('A username is 1–64 letters, digits, "_", "." or "-"');
    checkPassword(body.password);
    const regionCodes = await this.checkRegions(admin, body.role, body.regionCodes);
    // Hash before the transaction: argon2 is deliberately slow and must not hold the database.
    const passwordHash = await hashPassword(body.password);
    const { user, message } = await this.db.transaction(async (tx) => {
      if (!(await this.users.insert(tx, { username: body.username, passwordHash, role: body.role, regionCodes }))) {
        throw new AppError(409, 'user_exists', `User ${body.username} already exists`);
      }
      const user = (await this.users.find(tx, body.username))!;
      const event = await this.events.appendAndCommit(tx, {
        actor: admin.username,
        layer: 'users',
        id: user.username,
        regionCode: null,
        op: 'create',
        before: null,
        after: { role: user.role, regionCodes: user.regionCodes, disabled: false },
      });
      return { user, message: { ...event, feature: null } };
    });
    this.deps.publish(message);
    return (await this.withNames([user]))[0];
  }

  /**
   * Checks in API.md's order: 404 unknown user → 403 user or new regions outside the admin's subtree → 400
   * rules (regions fit the role, no self-lockout). Nothing is written unless all pass.
   */
  async update(admin: SessionUser, username: string, patch: UserPatch): Promise<AdminUser> {
    if (patch.password !== undefined) checkPassword(patch.password);
    const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
    const { user, message, endSessions } = await this.db.transaction(async (tx) => {
      const current = await this.users.find(tx, username, true);
      if (!current) throw notFound(`User ${username}`);
      this.assertManages(admin, current);
      const self = current.username === admin.username;
      if (self && patch.disabled === true) throw new AppError(400, 'self_lockout', 'You cannot disable your own account');
      if (self && patch.role !== undefined && patch.role !== 'admin') throw new AppError(400, 'self_lockout', 'You cannot take the admin role from yourself');

      const role = patch.role ?? current.role;
      const changes: UserChanges = {};
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      if (patch.role !== undefined && patch.role !== current.role) {
        changes.role = patch.role;
        [before.role, after.role] = [current.role, patch.role];
      }
      if (patch.regionCodes !== undefined || changes.role) {
        // A role change re-applies the region rule to the regions the user will hold.
        const regionCodes = await this.checkRegions(admin, role, patch.regionCodes ?? current.regionCodes, tx);
        if (regionCodes.join() !== current.regionCodes.join()) {
          changes.regionCodes = regionCodes;
          [before.regionCodes, after.regionCodes] = [current.regionCodes, regionCodes];
        }
      }
      if (patch.disabled !== undefined && patch.disabled !== current.disabled) {
        changes.disabled = patch.disabled;
        [before.disabled, after.disabled] = [current.disabled, patch.disabled];
      }
      if (passwordHash) {
        changes.passwordHash = passwordHash;
        after.passwordReset = true;
      }
      // Tokens from before a reset or a disable are refused even after the account is enabled again.
      if (passwordHash || changes.disabled) changes.sessionsValidAfter = new Date();
      if (!Object.keys(after).length) return { user: current, message: undefined, endSessions: false };

      await this.users.update(tx, username, changes);
      const user = (await this.users.find(tx, username))!;
      const event = await this.events.appendAndCommit(tx, {
        actor: admin.username,
        layer: 'users',
        id: username,
        regionCode: null,
        op: 'update',
        before,
        after,
      });
      return { user, message: { ...event, feature: null } as ChangeMessage, endSessions: true };
    });
    if (message) this.deps.publish(message);
    // Every recorded change alters what the user may do: their sockets reconnect (or are refused) with the new state.
    if (endSessions) this.deps.disconnectUser(username);
    return (await this.withNames([user]))[0];
  }

  /** 403 unless every region of the user lies inside the admin's subtrees. */
  private assertManages(admin: SessionUser, user: UserRecord): void {
    if (!user.regionCodes.every((code) => canRead(admin, code))) {
      throw new AppError(403, 'forbidden_region', `User ${user.username} belongs to a region outside your area`);
    }
  }

  /**
   * Coordinators hold one or more grids, every other role exactly one region; each must exist and lie inside
   * the admin's subtrees. Returns the codes without duplicates, in the given order (the first is the primary).
   */
  private async checkRegions(admin: SessionUser, role: UserCreate['role'], codes: string[], q?: Queryable): Promise<string[]> {
    const unique = [...new Set(codes)];
    if (!unique.length) throw new AppError(400, 'invalid_regions', 'Give the user a region');
    if (role !== 'coordinator' && unique.length !== 1) throw new AppError(400, 'invalid_regions', `A ${role} holds exactly one region`);
    const bad = unique.filter((c) => !/^\d{6,16}$/.test(c));
    if (bad.length) throw new AppError(400, 'unknown_region', `Not region codes: ${bad.join(', ')}`);
    const found = await this.users.regions(unique, q);
    const missing = unique.filter((c) => !found.some((r) => r.code === c));
    if (missing.length) throw new AppError(400, 'unknown_region', `No such region: ${missing.join(', ')}`);
    const outside = unique.filter((c) => !canRead(admin, c));
    if (outside.length) throw new AppError(403, 'forbidden_region', `Outside your area: ${outside.join(', ')}`);
    if (role === 'coordinator') {
      const notGrids = found.filter((r) => r.level !== 'grid' || r.code.length !== GRID_CODE_LENGTH);
      if (notGrids.length) throw new AppError(400, 'invalid_regions', `A coordinator holds grids; not grids: ${notGrids.map((r) => r.code).join(', ')}`);
    }
    return unique;
  }

  private async withNames(users: UserRecord[]): Promise<AdminUser[]> {
    const regions = await this.users.regions([...new Set(users.flatMap((u) => u.regionCodes))]);
    const names = new Map(regions.map((r) => [r.code, r.name]));
    return users.map((u) => ({ ...u, regionNames: u.regionCodes.map((c) => names.get(c) ?? c) }));
  }
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new AppError(400, 'weak_password', `A password has at least ${MIN_PASSWORD_LENGTH} characters`);
}
