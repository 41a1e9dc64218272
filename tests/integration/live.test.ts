// Live situation on real parts: the real server over real PostGIS (both backends), real socket.io-client, and the
// client's own LiveFeed. Nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ChangeMessage, ChangesInfo, SubscribeAck } from '../../server/src/contract/events.js';
import { LiveFeed, type LiveChange } from '../../client/src/lib/api/live.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { connect, until } from '../helpers/socket.js';

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

  /** Compounds outside the coordinator's grid, for the leader to change several at once. */
  const others = async (n: number) =>
    server.db.query<{ id: string; version: number; region_code: string }>(
      `SELECT id, version, region_code FROM compounds WHERE region_code NOT LIKE $1 || '%' AND status = 'normal' ORDER BY id OFFSET 1 LIMIT $2`,
      [grid, n],
    );
  const frames = (socket: Socket) => {
    const got: Array<{ changes: ChangeMessage[]; info: ChangesInfo }> = [];
    socket.on('changes', (changes: ChangeMessage[], info: ChangesInfo) => got.push({ changes, info }));
    return got;
  };

  it('sends concurrent changes in seq order, once each: one `change` per change, or batched `changes` frames chained by prev', async () => {
    const [plain, batched] = await Promise.all([connect(server.url, leader), connect(server.url, leader)]);
    const plainAck: SubscribeAck = await plain.emitWithAck('subscribe', { region: '410105' });
    const batchAck: SubscribeAck = await batched.emitWithAck('subscribe', { region: '410105', batch: true });
    expect(plainAck.ok && batchAck.ok).toBe(true);
    const single: ChangeMessage[] = [];
    plain.on('change', (m: ChangeMessage) => single.push(m));
    plain.on('changes', () => single.push({ seq: -1 } as ChangeMessage)); // must not happen
    batched.on('change', () => single.push({ seq: -2 } as ChangeMessage)); // must not happen
    const got = frames(batched);

    const points = await others(12);
    const c = client(server.url, leader);
    const answers = await Promise.all(points.map((p) => c.patch(`/api/layers/compounds/${p.id}`, { status: 'pending', version: p.version })));
    expect(answers.map((a) => a.status)).toEqual(points.map(() => 200));
    const seqs = answers.map((a) => a.body.seq as number).sort((a, b) => a - b);
    await until(() => single.length >= 12 && got.flatMap((f) => f.changes).length >= 12);
    await new Promise((r) => setTimeout(r, 200)); // anything extra would arrive now

    expect(single.map((m) => m.seq)).toEqual(seqs);
    expect(got.flatMap((f) => f.changes.map((m) => m.seq))).toEqual(seqs);
    // Each frame names the seq sent before it: the ack's seq for the first, then the previous frame's last.
    expect(got.map((f) => f.info.prev)).toEqual([batchAck.ok && batchAck.seq, ...got.slice(0, -1).map((f) => f.changes.at(-1)!.seq)]);
    expect(got.flatMap((f) => f.changes)[0]).toMatchObject({ layer: 'compounds', op: 'update', feature: { properties: { status: 'pending' } } });
    plain.disconnect();
    batched.disconnect();
  });

  it('gives a socket batched on the district and on a street each change once, in order', async () => {
    const socket = await connect(server.url, leader);
    const [inside] = await others(1);
    const street = inside.region_code.slice(0, 9);
    const [outside] = await server.db.query<{ id: string; version: number }>(
      `SELECT id, version FROM compounds WHERE region_code NOT LIKE $1 || '%' AND status = 'normal' ORDER BY id LIMIT 1`,
      [street],
    );
    for (const region of ['410105', street]) expect((await socket.emitWithAck('subscribe', { region, batch: true })).ok).toBe(true);
    const got = frames(socket);
    const c = client(server.url, leader);
    const current1 = await current(inside.id);
    const a = await c.patch(`/api/layers/compounds/${inside.id}`, { status: current1.status === 'pending' ? 'in_progress' : 'pending', version: current1.version });
    const b = await c.patch(`/api/layers/compounds/${outside.id}`, { status: 'pending', version: outside.version });
    expect([a.status, b.status]).toEqual([200, 200]);
    await until(() => got.flatMap((f) => f.changes).length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.flatMap((f) => f.changes.map((m) => m.seq))).toEqual([a.body.seq, b.body.seq]);
    socket.disconnect();
  });

  /** Live feeds on the district, batched, each counting its catch-up fetches. */
  async function feeds(n: number, gapWaitMs: [number, number]) {
    const fetches: Array<{ feed: number; at: number }> = [];
    const received: LiveChange[][] = [];
    const list = Array.from({ length: n }, (_, i) => {
      received.push([]);
      const feed = new LiveFeed({
        origin: server.url,
        token: leader,
        region: '410105',
        gapWaitMs,
        onChange: (change) => received[i].push(change),
        fetch: (url, init) => {
          fetches.push({ feed: i, at: Date.now() });
          return fetch(url, init);
        },
      });
      feed.start();
      return feed;
    });
    await until(() => list.every((f) => f.lastSeq !== undefined));
    await new Promise((r) => setTimeout(r, 100));
    expect(fetches).toEqual([]);
    return { list, fetches, received };
  }

  /** Takes the next seq for an event written straight into the log (`withRow` false: the seq has no row at all). */
  async function unpublished(point: { id: string; region_code: string }, withRow = true): Promise<number> {
    const [{ seq }] = await server.db.query<{ seq: number }>(
      withRow
        ? `WITH next AS (UPDATE event_seq SET last = last + 1 RETURNING last)
           INSERT INTO events (seq, actor, layer, feature_id, region_code, region_path, op, before, after)
           SELECT last, 'test', 'compounds', $1, $2::text, region_path($2::text), 'update', '{}'::jsonb, '{"note":"unpublished"}'::jsonb FROM next
           RETURNING seq`
        : `UPDATE event_seq SET last = last + 1 RETURNING last AS seq`,
      withRow ? [point.id, point.region_code] : [],
    );
    return seq;
  }

  async function patchNext(id: string) {
    const { version, status } = await current(id);
    const res = await client(server.url, leader).patch(`/api/layers/compounds/${id}`, { status: status === 'pending' ? 'in_progress' : 'pending', version });
    expect(res.status).toBe(200);
    return res.body.seq as number;
  }

  it('after a seq that was committed but never published, the server sends it from the log in order: no client fetches', async () => {
    const { list, fetches, received } = await feeds(4, [300, 1500]);
    // As if a server process died between its commit and its publish: the event is in the log, never on a socket.
    const [point] = await others(1);
    const lost = await unpublished(point);
    expect(await patchNext(point.id)).toBe(lost + 1);

    await until(() => received.every((r) => r.length >= 2));
    await new Promise((r) => setTimeout(r, 300));
    for (const r of received) {
      expect(r.map((c) => c.seq)).toEqual([lost, lost + 1]);
      // The recovered change carries the feature as it is now, like any `change`.
      expect(r[0].feature?.properties).toMatchObject({ id: point.id });
    }
    expect(fetches).toEqual([]);
    for (const f of list) f.stop();
  });

  it('after a hole the server cannot fill from the log, clients catch up after a jittered wait, not all at once', async () => {
    const gapWaitMs: [number, number] = [300, 1500];
    const { list, fetches, received } = await feeds(6, gapWaitMs);
    // A seq with no readable event, standing in for a log the server could not read when the hold ran out: it skips
    // the hole and the batches' `prev` shows it to the clients.
    const [point] = await others(1);
    const lost = await unpublished(point, false);
    expect(await patchNext(point.id)).toBe(lost + 1);
    const answeredAt = Date.now();

    await until(() => received.every((r) => r.length >= 1) && new Set(fetches.map((f) => f.feed)).size === 6);
    await new Promise((r) => setTimeout(r, 300));
    for (const r of received) expect(r.map((c) => c.seq)).toEqual([lost + 1]);
    const times = fetches.map((f) => f.at - answeredAt);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(gapWaitMs[0]);
    // Uniform waits over 1.2 s: six of them within 50 ms of each other would be a lockstep.
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(50);
    for (const f of list) f.stop();
    // The log becomes readable again: later tests page it gap-free.
    await server.db.query(
      `INSERT INTO events (seq, actor, layer, feature_id, region_code, region_path, op, before, after)
       VALUES ($1, 'test', 'compounds', $2, $3::text, region_path($3::text), 'update', '{}'::jsonb, '{}'::jsonb)`,
      [lost, point.id, point.region_code],
    );
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
