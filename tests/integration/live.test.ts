// Live situation on real parts: the real server over real PostGIS (both backends), real socket.io-client, and the
// client's own LiveFeed. Nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ChangeMessage, SubscribeAck } from '../../server/src/contract/events.js';
import { LiveFeed, type LiveChange } from '../../client/src/lib/api/live.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function connect(url: string, token?: string): Promise<Socket> {
  const socket = io(url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', (err) => reject(err));
  });
}

describe.each(BACKENDS)('live situation on %s', (backend) => {
  let server: TestServer;
  let leader: string;
  // Unmanaged compounds in one grid and its coordinator; picked from the database, not hard-coded.
  let grid: string;
  let coordinator: string;
  let targets: { id: string; version: number }[];
  let outsider: { id: string; version: number };

  beforeAll(async () => {
    server = await startTestServer({ backend });
    leader = await login(server.url, 'leader');
    const [row] = await server.db.query(
      `SELECT left(region_code, 14) AS grid FROM compounds WHERE status = 'normal'
        GROUP BY 1 HAVING count(*) >= 3 ORDER BY 1 LIMIT 1`,
    );
    grid = row.grid;
    coordinator = await login(server.url, `grid-${grid}`);
    targets = await server.db.query(`SELECT id, version FROM compounds WHERE region_code LIKE $1 || '%' AND status = 'normal' ORDER BY id`, [grid]);
    [outsider] = await server.db.query(`SELECT id, version FROM compounds WHERE region_code NOT LIKE $1 || '%' AND status = 'normal' ORDER BY id LIMIT 1`, [
      grid,
    ]);
  });
  afterAll(() => server?.close());

  const eventCount = async () => (await server.db.query<{ n: number }>('SELECT count(*) AS n FROM events'))[0].n;
  const current = async (id: string) => (await client(server.url, leader).get(`/api/layers/compounds/${id}`)).body.properties;

  it("delivers a coordinator's change to a leader's socket subscribed to the street, with its seq and feature", async () => {
    const socket = await connect(server.url, leader);
    const street = grid.slice(0, 9);
    const ack: SubscribeAck = await socket.emitWithAck('subscribe', { region: street });
    expect(ack.ok).toBe(true);
    const received: ChangeMessage[] = [];
    socket.on('change', (m: ChangeMessage) => received.push(m));

    const target = targets[0];
    const res = await client(server.url, coordinator).patch(`/api/layers/compounds/${target.id}`, { status: 'pending', version: target.version, note: '入户排查' });
    expect(res.status).toBe(200);
    await until(() => received.length === 1);
    const [change] = received;
    expect(change.seq).toBe(res.body.seq);
    expect(ack.ok && change.seq).toBe(ack.ok && ack.seq + 1);
    expect(change).toMatchObject({ actor: `grid-${grid}`, layer: 'compounds', id: target.id, op: 'update', regionCode: expect.stringMatching(`^${grid}`) });
    expect(change.regionPath.slice(0, 4)).toEqual(['410105', street, grid.slice(0, 12), grid]);
    expect(change.before).toMatchObject({ status: 'normal' });
    expect(change.after).toMatchObject({ status: 'pending', note: '入户排查', name: expect.any(String) });
    expect(change.feature?.properties).toMatchObject({ id: target.id, status: 'pending', version: target.version + 1 });
    socket.disconnect();
  });

  it('refuses a coordinator outside their grid with 404 (as for an unknown id) and writes nothing', async () => {
    const before = await eventCount();
    const res = await client(server.url, coordinator).patch(`/api/layers/compounds/${outsider.id}`, { status: 'pending', version: outsider.version });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'not_found' });
    expect(await eventCount()).toBe(before);
    expect((await current(outsider.id)).status).toBe('normal');
  });

  it('answers a stale version with 409 and the current feature', async () => {
    const target = targets[1];
    const c = client(server.url, coordinator);
    expect((await c.patch(`/api/layers/compounds/${target.id}`, { status: 'pending', version: target.version })).status).toBe(200);
    const stale = await c.patch(`/api/layers/compounds/${target.id}`, { status: 'in_progress', version: target.version });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'version_conflict', current: { properties: { status: 'pending', version: target.version + 1 } } });
  });

  it('applies a retried PATCH with the same Idempotency-Key once and returns the same answer', async () => {
    const target = targets[2];
    const c = client(server.url, coordinator);
    const before = await eventCount();
    const body = { status: 'pending', version: target.version };
    const headers = { 'idempotency-key': `retry-${target.id}-${backend}` };
    const [first, second] = await Promise.all([
      c.patch(`/api/layers/compounds/${target.id}`, body, headers),
      c.patch(`/api/layers/compounds/${target.id}`, body, headers),
    ]);
    const third = await c.patch(`/api/layers/compounds/${target.id}`, body, headers);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect(await eventCount()).toBe(before + 1);
  });

  it('names the allowed statuses on an illegal transition', async () => {
    const { version } = await current(targets[0].id);
    const res = await client(server.url, coordinator).patch(`/api/layers/compounds/${targets[0].id}`, { status: 'verified', version });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_transition');
    expect(res.body.message).toContain('in_progress');
  });

  it('refuses an unauthenticated socket', async () => {
    await expect(connect(server.url)).rejects.toThrow('unauthorized');
    await expect(connect(server.url, 'forged.token.value')).rejects.toThrow('unauthorized');
  });

  it('keeps a display token read-only', async () => {
    const display = await login(server.url, 'display');
    const { version } = await current(targets[0].id);
    const res = await client(server.url, display).patch(`/api/layers/compounds/${targets[0].id}`, { status: 'in_progress', version });
    expect(res.status).toBe(403);
    expect((await client(server.url, display).get(`/api/layers/compounds/${targets[0].id}`)).body.properties.nextStatuses).toEqual([]);
  });

  it('gives a client that was disconnected during 20 changes all 20 after reconnecting, in order, once', async () => {
    const received: LiveChange[] = [];
    const feed = new LiveFeed({ origin: server.url, token: leader, region: '410105', onChange: (c) => received.push(c) });
    feed.start();
    await until(() => feed.lastSeq !== undefined);
    const startSeq = feed.lastSeq!;
    const socket = (feed as unknown as { socket: Socket }).socket;
    socket.disconnect();

    // 20 changes while it is away: move three compounds back and forth.
    const c = client(server.url, coordinator);
    const seqs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = targets[i % 3];
      const p = await current(t.id);
      const next = p.status === 'pending' ? 'in_progress' : 'pending';
      const res = await c.patch(`/api/layers/compounds/${t.id}`, { status: next, version: p.version });
      expect(res.status).toBe(200);
      seqs.push(res.body.seq);
    }
    expect(received).toEqual([]);
    socket.connect();
    await until(() => received.length >= 20);
    await new Promise((r) => setTimeout(r, 300)); // anything extra would arrive now
    expect(received.map((e) => e.seq)).toEqual(seqs);
    expect(seqs[0]).toBe(startSeq + 1);
    feed.stop();
  });

  it('pages the event log gap-free and rejects a bad since', async () => {
    const c = client(server.url, leader);
    const all = await c.get('/api/events?since=0&limit=1000');
    expect(all.status).toBe(200);
    const seqs = all.body.events.map((e: { seq: number }) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(all.body.last).toBe(seqs.length);
    const page = await c.get('/api/events?since=2&limit=3');
    expect(page.body.events.map((e: { seq: number }) => e.seq)).toEqual([3, 4, 5]);
    expect(page.body.last).toBe(seqs.length);
    for (const bad of ['-1', '1.5', 'abc']) expect((await c.get(`/api/events?since=${bad}`)).status).toBe(400);
    expect((await c.get('/api/events?since=0&region=410105099')).status).toBe(404);
  });
});
