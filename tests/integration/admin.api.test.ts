// Administration over HTTP and Socket.IO against the real server on real PostGIS (both backends), with a real
// socket.io-client; nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { AdminUser } from '../../server/src/contract/admin.js';
import type { ChangeEvent } from '../../server/src/contract/events.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

const PASSWORD = 'a-long-password-1';

function connect(url: string, token: string): Promise<Socket> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

const disconnected = (socket: Socket, ms = 10_000) =>
  new Promise<string>((resolve, reject) => {
    if (!socket.connected) return resolve('already');
    const timer = setTimeout(() => reject(new Error('socket was not disconnected')), ms);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

let serial = 0;
/** A fresh username per test, so tests never share accounts. */
const uniqueName = (prefix: string) => `${prefix}-${process.pid}-${++serial}`;

describe.each(BACKENDS)('administration API on %s', (backend) => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let grids: string[];

  beforeAll(async () => {
    server = await startTestServer({ backend });
    admin = client(server.url, await login(server.url, 'admin'));
    // Three grids of different streets, each with compounds; picked from the database, not hard-coded.
    const rows = await server.db.query<{ grid: string }>(
      `SELECT DISTINCT ON (left(grid, 9)) grid FROM (
         SELECT left(region_code, 14) AS grid FROM compounds GROUP BY 1 HAVING count(*) >= 2) AS g
        ORDER BY left(grid, 9), grid LIMIT 3`,
    );
    grids = rows.map((r) => r.grid);
    expect(grids).toHaveLength(3);
  });
  afterAll(() => server?.close());

  const userRow = async (username: string) => (await server.db.query('SELECT * FROM users WHERE username = $1', [username]))[0];
  const eventCount = async () => (await server.db.query<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n;
  const createUser = async (role: string, regionCodes: string[], username = uniqueName(role)) => {
    const res = await admin.post('/api/admin/users', { username, password: PASSWORD, role, regionCodes });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as AdminUser;
  };

  it('creates, lists and patches users; login answers all region codes', async () => {
    const username = uniqueName('coord');
    const created = await createUser('coordinator', [grids[0], grids[1]], username);
    expect(created).toMatchObject({ username, role: 'coordinator', regionCodes: [grids[0], grids[1]], disabled: false, demo: false });
    expect(created.regionNames).toHaveLength(2);
    expect(created).not.toHaveProperty('password');
    expect(created).not.toHaveProperty('passwordHash');

    const listed = await admin.get(`/api/admin/users?q=${username}`);
    expect(listed.status).toBe(200);
    expect(listed.body.users.map((u: AdminUser) => u.username)).toEqual([username]);
    const coordinators = await admin.get('/api/admin/users?role=coordinator&limit=5');
    expect(coordinators.body.users).toHaveLength(5);
    expect(coordinators.body.total).toBeGreaterThan(5);
    expect(coordinators.body.users.every((u: AdminUser) => u.role === 'coordinator')).toBe(true);

    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect((await res.json()).user).toEqual({ username, role: 'coordinator', regionCode: grids[0], regionCodes: [grids[0], grids[1]] });

    const patched = await admin.patch(`/api/admin/users/${username}`, { regionCodes: [grids[2]] });
    expect(patched.status).toBe(200);
    expect(patched.body.regionCodes).toEqual([grids[2]]);
    expect((await userRow(username)).region_code).toBe(grids[2]);
  });

  it('answers bad user bodies with 4xx and the error body, and changes nothing', async () => {
    const existing = await createUser('leader', ['410105001']);
    const usersBefore = (await server.db.query('SELECT count(*) AS n FROM users'))[0].n;
    const regionsBefore = (await server.db.query('SELECT count(*) AS n FROM user_regions'))[0].n;
    const events = await eventCount();
    const ok = { username: uniqueName('bad'), password: PASSWORD, role: 'coordinator', regionCodes: [grids[0]] };
    const cases: [unknown, number, string?][] = [
      [{ ...ok, username: 'has space' }, 400],
      [{ ...ok, username: '' }, 400],
      [{ ...ok, password: 'short' }, 400],
      [{ ...ok, role: 'emperor' }, 400],
      [{ ...ok, regionCodes: [] }, 400],
      [{ ...ok, regionCodes: ['abc'] }, 400],
      [{ ...ok, regionCodes: ['410105999'] }, 400, 'unknown_region'],
      [{ ...ok, regionCodes: ['410105001'] }, 400, 'invalid_regions'], // a coordinator holds grids
      [{ ...ok, role: 'leader', regionCodes: ['410105001', '410105002'] }, 400, 'invalid_regions'],
      [{ ...ok, extra: 1 }, 400],
      [{ ...ok, username: existing.username }, 409, 'user_exists'],
      [{ ...ok, regionCodes: ['410106'] }, 400, 'unknown_region'],
    ];
    for (const [body, status, code] of cases) {
      const res = await admin.post('/api/admin/users', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(res.body).toMatchObject({ error: code ?? expect.any(String), message: expect.any(String) });
    }
    const patches: [string, unknown, number, string?][] = [
      [existing.username, {}, 400],
      [existing.username, { role: 'coordinator' }, 400, 'invalid_regions'], // a street is not a grid
      [existing.username, { password: 'short' }, 400],
      [existing.username, { disabled: 'yes' }, 400],
      ['nobody-at-all', { disabled: true }, 404],
      ['admin', { disabled: true }, 400, 'self_lockout'],
      ['admin', { role: 'leader' }, 400, 'self_lockout'],
    ];
    for (const [name, body, status, code] of patches) {
      const res = await admin.patch(`/api/admin/users/${name}`, body);
      expect({ name, body, status: res.status }).toEqual({ name, body, status });
      expect(res.body).toMatchObject({ error: code ?? expect.any(String), message: expect.any(String) });
    }
    expect((await server.db.query('SELECT count(*) AS n FROM users'))[0].n).toBe(usersBefore);
    expect((await server.db.query('SELECT count(*) AS n FROM user_regions'))[0].n).toBe(regionsBefore);
    expect(await eventCount()).toBe(events);
    expect(await userRow(existing.username)).toMatchObject({ role: 'leader', disabled: false });
  });

  it('refuses the admin API to non-admins with 403', async () => {
    const leader = client(server.url, await login(server.url, 'leader'));
    expect((await leader.get('/api/admin/users')).status).toBe(403);
    const res = await leader.post('/api/admin/users', { username: uniqueName('x'), password: PASSWORD, role: 'leader', regionCodes: ['410105'] });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('forbidden');
    expect((await leader.patch('/api/admin/users/leader', { role: 'admin' })).status).toBe(403);
    expect((await userRow('leader')).role).toBe('leader');
    expect((await client(server.url).get('/api/admin/users')).status).toBe(401);
  });

  it('lets a street-level admin manage only users inside their street', async () => {
    const street = grids[0].slice(0, 9);
    const streetAdmin = await createUser('admin', [street]);
    const sub = client(server.url, await login(server.url, streetAdmin.username, PASSWORD));

    const inside = await sub.post('/api/admin/users', { username: uniqueName('in'), password: PASSWORD, role: 'coordinator', regionCodes: [grids[0]] });
    expect(inside.status).toBe(201);
    const outsideName = uniqueName('out');
    const outside = await sub.post('/api/admin/users', { username: outsideName, password: PASSWORD, role: 'coordinator', regionCodes: [grids[1]] });
    expect(outside.status).toBe(403);
    expect(outside.body.error).toBe('forbidden_region');
    expect(await userRow(outsideName)).toBeUndefined();
    // Nor may they widen their own users beyond the street, or touch users outside it.
    expect((await sub.patch(`/api/admin/users/${inside.body.username}`, { regionCodes: [grids[0], grids[1]] })).status).toBe(403);
    expect((await sub.patch('/api/admin/users/leader', { disabled: true })).status).toBe(403);
    expect((await userRow('leader')).disabled).toBe(false);
    // The list holds only users of the street.
    const list = await sub.get('/api/admin/users?limit=5000');
    expect(list.body.users.length).toBeGreaterThan(0);
    expect(list.body.users.every((u: AdminUser) => u.regionCodes.every((c) => c.startsWith(street)))).toBe(true);
  });

  it("disabling a user refuses their next request, closes their open socket and refuses a new one", async () => {
    const user = await createUser('coordinator', [grids[0]]);
    const token = await login(server.url, user.username, PASSWORD);
    const them = client(server.url, token);
    expect((await them.get('/api/stats')).status).toBe(200);
    const socket = await connect(server.url, token);
    const gone = disconnected(socket);

    const res = await admin.patch(`/api/admin/users/${user.username}`, { disabled: true });
    expect(res.status).toBe(200);
    expect(res.body.disabled).toBe(true);

    expect(await gone).toBe('io server disconnect');
    const refused = await them.get('/api/stats');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('account_disabled');
    const err = await connect(server.url, token).then(() => undefined, (e: Error & { data?: { error: string } }) => e);
    expect(err?.message).toBe('unauthorized');
    expect(err?.data?.error).toBe('account_disabled');
    const relogin = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: PASSWORD }),
    });
    expect(relogin.status).toBe(403);
    expect((await relogin.json()).error).toBe('account_disabled');

    // Enabled again, the old token stays revoked: a new login is needed.
    expect((await admin.patch(`/api/admin/users/${user.username}`, { disabled: false })).status).toBe(200);
    expect((await them.get('/api/stats')).body.error).toBe('session_revoked');
    const fresh = client(server.url, await login(server.url, user.username, PASSWORD));
    expect((await fresh.get('/api/stats')).status).toBe(200);
  });

  it('a password reset ends the old sessions and the new password works', async () => {
    const user = await createUser('leader', ['410105']);
    const oldToken = await login(server.url, user.username, PASSWORD);
    const socket = await connect(server.url, oldToken);
    const gone = disconnected(socket);
    expect((await admin.patch(`/api/admin/users/${user.username}`, { password: 'another-password-2' })).status).toBe(200);
    await gone;
    const res = await client(server.url, oldToken).get('/api/stats');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('session_revoked');
    await expect(login(server.url, user.username, PASSWORD)).rejects.toThrow('401');
    const fresh = client(server.url, await login(server.url, user.username, 'another-password-2'));
    expect((await fresh.get('/api/stats')).status).toBe(200);
  });

  it('a role change takes effect at the next request, without a new login', async () => {
    const user = await createUser('leader', ['410105']);
    const token = await login(server.url, user.username, PASSWORD);
    expect((await client(server.url, token).get('/api/admin/users')).status).toBe(403);
    expect((await admin.patch(`/api/admin/users/${user.username}`, { role: 'admin' })).status).toBe(200);
    expect((await client(server.url, token).get('/api/admin/users')).status).toBe(200);
  });

  it('a coordinator with two grids reads and writes points in both, not in a third', async () => {
    const user = await createUser('coordinator', [grids[0], grids[1]]);
    const them = client(server.url, await login(server.url, user.username, PASSWORD));
    const { body: start } = await them.get('/api/events?limit=1');
    const pick = async (grid: string) =>
      (await server.db.query<{ id: string; version: number; status: string }>(
        `SELECT id, version, status FROM compounds WHERE region_code LIKE $1 || '%' AND status IN ('normal', 'pending') ORDER BY id LIMIT 1`,
        [grid],
      ))[0];
    for (const grid of [grids[0], grids[1]]) {
      expect((await them.get(`/api/regions/${grid}`)).status).toBe(200);
      const point = await pick(grid);
      const read = await them.get(`/api/layers/compounds/${point.id}`);
      expect(read.status).toBe(200);
      expect(read.body.properties.nextStatuses.length).toBeGreaterThan(0);
      const next = point.status === 'normal' ? 'pending' : 'in_progress';
      const res = await them.patch(`/api/layers/compounds/${point.id}`, { status: next, version: point.version });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const third = await pick(grids[2]);
    expect((await them.get(`/api/regions/${grids[2]}`)).status).toBe(403);
    expect((await them.get(`/api/layers/compounds/${third.id}`)).status).toBe(404);
    const res = await them.patch(`/api/layers/compounds/${third.id}`, { status: third.status === 'normal' ? 'pending' : 'in_progress', version: third.version });
    expect(res.status).toBe(404);
    expect((await server.db.query('SELECT version FROM compounds WHERE id = $1', [third.id]))[0].version).toBe(third.version);
    // Search spans both grids; the default region stays the first.
    const names = await server.db.query<{ name: string }>(`SELECT name FROM regions WHERE code = ANY($1::text[])`, [[grids[0], grids[1]]]);
    for (const { name } of names) {
      const found = await them.get(`/api/search?q=${encodeURIComponent(name)}`);
      expect(found.body.regions.map((r: { name: string }) => r.name)).toContain(name);
    }
    expect((await them.get('/api/stats')).body.region.code).toBe(grids[0]);
    // The catch-up feed without a region covers both grids.
    const feed = await them.get(`/api/events?since=${start.last}`);
    const mine = (feed.body.events as ChangeEvent[]).filter((e) => e.actor === user.username);
    expect(mine.map((e) => e.regionCode!.slice(0, 14)).sort()).toEqual([grids[0], grids[1]].sort());
    expect((await them.get(`/api/events?region=${grids[2]}`)).status).toBe(403);
  });

  it('refuses the token of a user who no longer exists', async () => {
    const user = await createUser('leader', ['410105']);
    const them = client(server.url, await login(server.url, user.username, PASSWORD));
    expect((await them.get('/api/stats')).status).toBe(200);
    await server.db.query('DELETE FROM users WHERE username = $1', [user.username]);
    const res = await them.get('/api/stats');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'unauthorized', message: expect.any(String) });
  });

  it('creates a draft campaign from a filter, previews its count, opens and closes it; a wrong state is a 409', async () => {
    const street = grids[0].slice(0, 9);
    const body = {
      name: '无主管楼院整治（测试）',
      layer: 'compounds',
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '2027-03-01T00:00:00Z',
      doneStatuses: ['done', 'verified'],
      targets: { region: street, statuses: ['normal', 'pending'], where: { kind: 'unmanaged' } },
    };
    const [{ n: expected }] = await server.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM compounds WHERE region_code LIKE $1 || '%' AND status IN ('normal', 'pending') AND kind = 'unmanaged'`,
      [street],
    );
    expect(expected).toBeGreaterThan(0);
    const preview = await admin.post('/api/campaigns/preview', body);
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({ targets: expected });

    const created = await admin.post('/api/campaigns', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: body.name, layer: 'compounds', status: 'draft', targets: expected, done: 0 });
    const id = created.body.id as string;
    const [{ n: stored }] = await server.db.query<{ n: number }>('SELECT count(*) AS n FROM campaign_targets WHERE campaign_id = $1', [id]);
    expect(stored).toBe(expected);

    // Drafts are for admins only.
    const leader = client(server.url, await login(server.url, 'leader'));
    expect((await leader.get('/api/campaigns')).body.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await admin.get('/api/campaigns')).body.map((c: { id: string }) => c.id)).toContain(id);

    expect((await admin.post(`/api/campaigns/${id}/close`, undefined)).body.error).toBe('invalid_campaign_state');
    const opened = await admin.post(`/api/campaigns/${id}/open`, undefined);
    expect(opened.status).toBe(200);
    expect(opened.body.status).toBe('active');
    expect((await leader.get('/api/campaigns')).body.map((c: { id: string }) => c.id)).toContain(id);
    const again = await admin.post(`/api/campaigns/${id}/open`, undefined);
    expect(again.status).toBe(409);
    expect(again.body.error).toBe('invalid_campaign_state');
    const closed = await admin.post(`/api/campaigns/${id}/close`, undefined);
    expect(closed.body.status).toBe('closed');
    expect((await admin.post(`/api/campaigns/${id}/close`, undefined)).status).toBe(409);
    expect((await admin.post('/api/campaigns/no-such/open', undefined)).status).toBe(404);
    expect((await leader.post('/api/campaigns', body)).status).toBe(403);
    expect((await leader.post(`/api/campaigns/${id}/open`, undefined)).status).toBe(403);
  });

  it('answers bad campaign bodies with 4xx and creates nothing', async () => {
    const ok = {
      name: 'x',
      layer: 'compounds',
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '2027-03-01T00:00:00Z',
      doneStatuses: ['done'],
      targets: { region: '410105' },
    };
    const before = (await server.db.query('SELECT count(*) AS n FROM campaigns'))[0].n;
    const events = await eventCount();
    const cases: [unknown, number, string?][] = [
      [{ ...ok, layer: 'unicorns' }, 400],
      [{ ...ok, doneStatuses: ['finished'] }, 400, 'unknown_status'],
      [{ ...ok, doneStatuses: [] }, 400],
      [{ ...ok, targets: { region: '410105', statuses: ['flying'] } }, 400, 'unknown_status'],
      [{ ...ok, targets: { region: '410105', where: { colour: 'red' } } }, 400, 'unknown_property'],
      [{ ...ok, targets: { region: '410105', where: { "kind'; DROP TABLE users; --": 'x' } } }, 400, 'unknown_property'],
      [{ ...ok, targets: { region: '410105999' } }, 404],
      [{ ...ok, targets: { region: 'abc' } }, 400],
      [{ ...ok, endsAt: '2026-01-01T00:00:00Z' }, 400],
      [{ ...ok, startsAt: 'tomorrow' }, 400],
      [{ ...ok, name: '' }, 400],
    ];
    for (const [body, status, code] of cases) {
      for (const path of ['/api/campaigns', '/api/campaigns/preview']) {
        const res = await admin.post(path, body);
        expect({ path, body, status: res.status }).toEqual({ path, body, status });
        expect(res.body).toMatchObject({ error: code ?? expect.any(String), message: expect.any(String) });
      }
    }
    expect((await server.db.query('SELECT count(*) AS n FROM campaigns'))[0].n).toBe(before);
    expect(await eventCount()).toBe(events);
  });

  it('records every admin action in the event log, without secrets', async () => {
    const { body: start } = await admin.get('/api/events?since=0&limit=1');
    const since = start.last;
    const user = await createUser('coordinator', [grids[0]]);
    await admin.patch(`/api/admin/users/${user.username}`, { password: 'reset-password-3' });
    await admin.patch(`/api/admin/users/${user.username}`, { disabled: true, regionCodes: [grids[0], grids[1]] });
    const campaign = await admin.post('/api/campaigns', {
      name: 'audit',
      layer: 'disputes',
      startsAt: '2026-12-01T00:00:00Z',
      endsAt: '2027-03-01T00:00:00Z',
      doneStatuses: ['resolved'],
      targets: { region: grids[0].slice(0, 9) },
    });
    await admin.post(`/api/campaigns/${campaign.body.id}/open`, undefined);
    await admin.post(`/api/campaigns/${campaign.body.id}/close`, undefined);

    const { body } = await admin.get(`/api/events?since=${since}`);
    const events = body.events as ChangeEvent[];
    const mine = events.filter((e) => (e.layer === 'users' && e.id === user.username) || (e.layer === 'campaigns' && e.id === campaign.body.id));
    expect(mine.map((e) => [e.layer, e.op, e.actor, e.regionCode])).toEqual([
      ['users', 'create', 'admin', null],
      ['users', 'update', 'admin', null],
      ['users', 'update', 'admin', null],
      ['campaigns', 'create', 'admin', null],
      ['campaigns', 'update', 'admin', null],
      ['campaigns', 'update', 'admin', null],
    ]);
    expect(mine[0].after).toEqual({ role: 'coordinator', regionCodes: [grids[0]], disabled: false });
    expect(mine[1].after).toEqual({ passwordReset: true });
    expect(mine[2]).toMatchObject({ before: { disabled: false, regionCodes: [grids[0]] }, after: { disabled: true, regionCodes: [grids[0], grids[1]] } });
    expect(mine[4]).toMatchObject({ before: { status: 'draft' }, after: { status: 'active' } });
    expect(mine[5]).toMatchObject({ before: { status: 'active' }, after: { status: 'closed' } });
    const text = JSON.stringify(events);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('reset-password-3');
    expect(text).not.toContain('$argon2');
    expect(text).not.toMatch(/password_?hash/i);
  });
});
