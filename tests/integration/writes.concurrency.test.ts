// Concurrent writes on real parts (both backends): 50 parallel PATCHes through the HTTP API — different points,
// several on one point with the same version, several retries with one Idempotency-Key — while a chain of writes
// runs alongside and a Socket.IO client listens. Every acknowledged write is applied, seqs are gap-free, a write
// acknowledged before another was sent has the smaller seq, and the socket sees every change once, in seq order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { ChangeMessage, SubscribeAck } from '../../server/src/contract/events.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

type Point = { id: string; version: number; grid: string };

const until = async (cond: () => boolean, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(BACKENDS)('concurrent writes on %s', (backend) => {
  let server: TestServer;
  let leader: string;
  const tokens = new Map<string, string>();
  let points: Point[];

  beforeAll(async () => {
    server = await startTestServer({ backend });
    leader = await login(server.url, 'leader');
    // Unmanaged compounds of the six grids that have most of them, each written by its grid's coordinator.
    points = await server.db.query<Point>(
      `WITH g AS (SELECT left(region_code, 14) AS grid FROM compounds WHERE status = 'normal' AND length(region_code) >= 14
                   GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 6)
       SELECT c.id, c.version, left(c.region_code, 14) AS grid FROM compounds c JOIN g ON g.grid = left(c.region_code, 14)
        WHERE c.status = 'normal' ORDER BY c.id`,
    );
    for (const grid of new Set(points.map((p) => p.grid))) tokens.set(grid, await login(server.url, `grid-${grid}`));
  });
  afterAll(() => server?.close());

  const patch = (p: Point, headers?: Record<string, string>) =>
    client(server.url, tokens.get(p.grid)).patch(`/api/layers/compounds/${p.id}`, { status: 'pending', version: p.version }, headers);

  it('applies every acknowledged write, numbers them gap-free in commit order and delivers them in seq order', async () => {
    expect(points.length).toBeGreaterThanOrEqual(47);
    const socket: Socket = io(server.url, { auth: { token: leader }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => socket.on('connect', () => resolve()).on('connect_error', reject));
    const ack: SubscribeAck = await socket.emitWithAck('subscribe', { region: '410105' });
    if (!ack.ok) throw new Error(ack.error);
    const received: ChangeMessage[] = [];
    socket.on('change', (m: ChangeMessage) => received.push(m));

    const [contested, retried, ...rest] = points;
    const distinct = rest.slice(0, 40);
    const chain = rest.slice(40, 45);
    const key = { 'idempotency-key': `concurrency-${backend}` };
    // 40 different points + 5 on one point with the same version + 5 retries of one keyed write = 50 at once.
    const burst = Promise.all([
      ...distinct.map((p) => patch(p)),
      ...Array.from({ length: 5 }, () => patch(contested)),
      ...Array.from({ length: 5 }, () => patch(retried, key)),
    ]);
    // Alongside: each write of the chain is sent only after the previous one was acknowledged.
    const chainSeqs: number[] = [];
    for (const p of chain) {
      const res = await patch(p);
      expect(res.status).toBe(200);
      chainSeqs.push(res.body.seq);
    }
    const answers = await burst;

    const distinctAnswers = answers.slice(0, 40);
    const contestedAnswers = answers.slice(40, 45);
    const retriedAnswers = answers.slice(45);
    expect(distinctAnswers.map((a) => a.status)).toEqual(distinctAnswers.map(() => 200));
    // One write per version: the others are told someone changed the point first.
    expect(contestedAnswers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const a of contestedAnswers.filter((a) => a.status !== 200)) expect(a.body).toMatchObject({ error: 'version_conflict' });
    // A retried key is applied once and answered the same each time.
    for (const a of retriedAnswers) expect(a).toMatchObject({ status: 200, body: retriedAnswers[0].body });
    expect(chainSeqs).toEqual([...chainSeqs].sort((a, b) => a - b));

    const acknowledged = [...distinctAnswers, ...contestedAnswers.filter((a) => a.status === 200), retriedAnswers[0]].map((a) => a.body);
    const seqs = [...acknowledged.map((b) => b.seq as number), ...chainSeqs];
    expect(new Set(seqs).size).toBe(47);

    // Applied: each point stands at the acknowledged version, and its event carries that feature.
    const rows = await server.db.query<{ seq: number; id: string; version: number; at: string }>(
      `SELECT seq, feature_id AS id, (after->>'version')::int AS version, at FROM events WHERE seq = ANY ($1::bigint[]) ORDER BY seq`,
      [seqs],
    );
    expect(rows).toHaveLength(47);
    for (const body of acknowledged) {
      const { id, version, status } = body.feature.properties;
      expect(status).toBe('pending');
      expect(rows.find((r) => r.seq === body.seq)).toMatchObject({ id, version });
      const [now] = await server.db.query('SELECT version, status FROM compounds WHERE id = $1', [id]);
      expect(now).toEqual({ version, status: 'pending' });
    }
    // Numbered in commit order: event times never go back as seqs go up.
    expect(rows.map((r) => r.at)).toEqual(rows.map((r) => r.at).sort());

    // Gap-free over the whole log, and the counter is its last seq.
    const [log] = await server.db.query<{ n: number; min: number; max: number; last: number }>(
      'SELECT count(*) AS n, min(seq) AS min, max(seq) AS max, (SELECT last FROM event_seq) AS last FROM events',
    );
    expect(log).toEqual({ n: log.max, min: 1, max: log.last, last: log.last });
    expect(await server.db.query('SELECT id FROM pending_events')).toEqual([]);

    // The socket: every change after its subscribe, once each, in seq order.
    await until(() => received.length >= log.last - ack.seq);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.map((m) => m.seq)).toEqual(Array.from({ length: log.last - ack.seq }, (_, i) => ack.seq + 1 + i));
    socket.close();
  });

  it('orders the writes of one point by seq as by version, under contention', async () => {
    // Ten writers race on one point, each retrying with the version it is told until its write lands.
    const [point] = await server.db.query<Point>(
      `SELECT id, version, left(region_code, 14) AS grid FROM compounds WHERE status = 'pending' AND left(region_code, 14) = ANY ($1) ORDER BY id LIMIT 1`,
      [[...tokens.keys()]],
    );
    const c = client(server.url, tokens.get(point.grid));
    const writer = async () => {
      for (;;) {
        const { version, status } = (await c.get(`/api/layers/compounds/${point.id}`)).body.properties;
        const res = await c.patch(`/api/layers/compounds/${point.id}`, { status: status === 'pending' ? 'in_progress' : 'pending', version });
        if (res.status === 200) return res.body.seq as number;
        expect(res.body.error).toBe('version_conflict');
      }
    };
    const seqs = await Promise.all(Array.from({ length: 10 }, writer));
    const events = await server.db.query<{ seq: number; version: number }>(
      `SELECT seq, (after->>'version')::int AS version FROM events WHERE layer = 'compounds' AND feature_id = $1 AND seq = ANY ($2::bigint[]) ORDER BY seq`,
      [point.id, seqs],
    );
    expect(events.map((e) => e.version)).toEqual(Array.from({ length: 10 }, (_, i) => point.version + 1 + i));
  });
});
