// Two real server processes on one real PostgreSQL + PostGIS, fanning out through a real redis-server with the
// Socket.IO Redis streams adapter. Nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ChangeMessage, ChangesInfo } from '../../server/src/contract/events.js';
import { createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import { startRedis, startServerProcess, type Proc } from '../helpers/processes.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';

describe('several server processes with Redis', () => {
  let database: TestDatabase;
  let redis: Proc & { url: string };
  let a: Proc & { url: string };
  let b: Proc & { url: string };

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    redis = await startRedis();
    const env = { DATABASE_URL: database.databaseUrl!, REDIS_URL: redis.url, DATA_DIR: database.dataDir, DEMO_PASSWORD };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.drop();
  });

  it('delivers a PATCH made on process A to a client of process B, with seqs gap-free across both', async () => {
    const db = await openTestDb(database);
    const [target] = await db.query(`SELECT id, version, left(region_code, 14) AS grid FROM compounds WHERE status = 'normal' ORDER BY id LIMIT 1`);
    await db.close();
    // One secret in the shared DATA_DIR, so a token from A is valid on B.
    const leader = await login(b.url, 'leader');
    const coordinator = await login(a.url, `grid-${target.grid}`);

    const socket: Socket = io(b.url, { auth: { token: leader }, transports: ['websocket'] });
    const received: ChangeMessage[] = [];
    socket.on('change', (m: ChangeMessage) => received.push(m));
    const ack = await socket.emitWithAck('subscribe', { region: '410105' });
    expect(ack.ok).toBe(true);

    const first = await client(a.url, coordinator).patch(`/api/layers/compounds/${target.id}`, { status: 'pending', version: target.version });
    const second = await client(b.url, coordinator).patch(`/api/layers/compounds/${target.id}`, { status: 'in_progress', version: target.version + 1 });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.seq).toBe(first.body.seq + 1);

    const end = Date.now() + 5000;
    while (received.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(received.map((m) => [m.seq, m.after?.status])).toEqual([
      [first.body.seq, 'pending'],
      [second.body.seq, 'in_progress'],
    ]);
    socket.disconnect();
  });

  it('delivers concurrent PATCHes made on both processes to clients of both, each once and in seq order, per change and batched', async () => {
    const db = await openTestDb(database);
    const points = await db.query<{ id: string; version: number }>(`SELECT id, version FROM compounds WHERE status = 'normal' ORDER BY id OFFSET 5 LIMIT 12`);
    await db.close();
    const leader = await login(a.url, 'leader');
    const sockets = [a, b].flatMap((p) => [false, true].map((batch) => ({ batch, socket: io(p.url, { auth: { token: leader }, transports: ['websocket'] }) })));
    const got = sockets.map(({ socket }) => {
      const seqs: number[] = [];
      socket.on('change', (m: ChangeMessage) => seqs.push(m.seq));
      socket.on('changes', (ms: ChangeMessage[], _info: ChangesInfo) => seqs.push(...ms.map((m) => m.seq)));
      return seqs;
    });
    for (const { batch, socket } of sockets) expect((await socket.emitWithAck('subscribe', { region: '410105', batch })).ok).toBe(true);

    const answers = await Promise.all(
      points.map((p, i) => client([a, b][i % 2].url, leader).patch(`/api/layers/compounds/${p.id}`, { status: 'pending', version: p.version })),
    );
    expect(answers.map((r) => r.status)).toEqual(points.map(() => 200));
    const seqs = answers.map((r) => r.body.seq as number).sort((x, y) => x - y);
    const end = Date.now() + 10_000;
    while (got.some((g) => g.length < seqs.length) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // anything extra would arrive now
    for (const g of got) expect(g).toEqual(seqs);
    for (const { socket } of sockets) socket.disconnect();
  });

  it("disabling a user on process A closes their socket on process B and B refuses their token", async () => {
    const admin = client(a.url, await login(a.url, 'admin'));
    const username = `cluster-${process.pid}`;
    const password = 'cluster-password-1';
    const created = await admin.post('/api/admin/users', { username, password, role: 'leader', regionCodes: ['410105'] });
    expect(created.status).toBe(201);
    const token = await login(b.url, username, password);
    const socket: Socket = io(b.url, { auth: { token }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', resolve);
      socket.on('connect_error', reject);
    });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect((await admin.patch(`/api/admin/users/${username}`, { disabled: true })).status).toBe(200);
    const reason = await Promise.race([closed, new Promise((r) => setTimeout(() => r('still connected'), 5000))]);
    expect(reason).toBe('io server disconnect');
    expect((await client(b.url, token).get('/api/stats')).status).toBe(401);
  });
});
