// A building group's 三会 meetings and 星级 ratings with history: routes, the write rule (admins; coordinators in
// their grid), bad input, the roll-up per kind, history order and the current star rating, events on a real
// socket.io-client. Real server on real PostGIS (both backends); nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ChangeMessage, SubscribeAck } from '../../server/src/contract/events.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { connect, until } from '../helpers/socket.js';

type Api = ReturnType<typeof client>;

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

describe.each(BACKENDS)('building-group meetings and ratings on %s', (backend) => {
  let server: TestServer;
  let admin: Api;
  let leader: Api;
  let coordinator: Api;
  let grid: string;
  /** Two building groups of the coordinator's grid, and one of another street. */
  let bg: string;
  let bg2: string;
  let foreign: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    admin = client(server.url, await login(server.url, 'admin'));
    leader = client(server.url, await login(server.url, 'leader'));
    const rows = await server.db.query<{ code: string }>(
      `SELECT code FROM regions WHERE level = 'building_group' AND star_rating IS NOT NULL
          AND left(code, 14) = (SELECT left(code, 14) FROM regions WHERE level = 'building_group' GROUP BY 1 HAVING count(*) >= 2 ORDER BY 1 LIMIT 1)
        ORDER BY code`,
    );
    [bg, bg2] = rows.map((r) => r.code);
    grid = bg.slice(0, 14);
    [{ code: foreign }] = await server.db.query<{ code: string }>(
      `SELECT code FROM regions WHERE level = 'building_group' AND code NOT LIKE $1 || '%' ORDER BY code DESC LIMIT 1`,
      [bg.slice(0, 9)],
    );
    coordinator = client(server.url, await login(server.url, `grid-${grid}`));
  });
  afterAll(() => server?.close());

  const counts = async () =>
    (
      await server.db.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM building_group_meetings) AS meetings, (SELECT count(*) FROM star_ratings) AS ratings,
                (SELECT count(*) FROM events) AS events, (SELECT sum(star_rating) FROM regions) AS stars`,
      )
    )[0];
  const meeting = (over: Record<string, unknown> = {}) => ({ kind: 'deliberation', heldOn: daysAgo(1), topic: '加装电梯意见征集', attendees: 23, outcome: '形成共识', ...over });

  it('has sample history: every rated building group’s latest rating is its current star rating', async () => {
    const [mismatch] = await server.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM regions AS r
        WHERE r.level = 'building_group' AND r.star_rating IS DISTINCT FROM
              (SELECT stars FROM star_ratings s WHERE s.region_code = r.code ORDER BY rated_on DESC, id DESC LIMIT 1)`,
    );
    expect(mismatch.n).toBe(0);
    const history = await leader.get(`/api/regions/${bg}/ratings`);
    expect(history.status).toBe(200);
    expect(history.body.ratings.length).toBeGreaterThan(0);
    expect(history.body.current).toBe(history.body.ratings[0].stars);
    const district = await leader.get('/api/regions/410105/meetings?limit=5');
    expect(district.body.total).toBeGreaterThan(5000);
    const k = district.body.byKind;
    expect(k.situation + k.deliberation + k.review).toBeGreaterThan(1000);
  });

  it('records a coordinator’s meeting in their grid: newest first in the building group and in every ancestor, counted per kind', async () => {
    const before = (await leader.get(`/api/regions/${grid}/meetings`)).body;
    const res = await coordinator.post(`/api/regions/${bg}/meetings`, meeting());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ regionCode: bg, kind: 'deliberation', heldOn: daysAgo(1), attendees: 23, createdBy: `grid-${grid}` });
    const older = await admin.post(`/api/regions/${bg}/meetings`, meeting({ kind: 'review', heldOn: daysAgo(400), topic: '一年多前的评议' }));
    expect(older.status).toBe(201);

    for (const code of [bg, grid, bg.slice(0, 9), '410105']) {
      const page = (await leader.get(`/api/regions/${code}/meetings?limit=100`)).body;
      const ids = page.meetings.map((m: { id: number }) => m.id);
      expect(ids).toContain(res.body.id);
      const days = page.meetings.map((m: { heldOn: string }) => m.heldOn);
      expect(days).toEqual([...days].sort().reverse());
    }
    const after = (await leader.get(`/api/regions/${grid}/meetings`)).body;
    expect(after.total).toBe(before.total + 2);
    // The 12-month roll-up counts the new deliberation, not the review held 400 days ago.
    expect(after.byKind.deliberation).toBe(before.byKind.deliberation + 1);
    expect(after.byKind.review).toBe(before.byKind.review);
    // Paging.
    const p1 = (await leader.get(`/api/regions/${grid}/meetings?limit=1&offset=1`)).body;
    expect(p1.meetings).toHaveLength(1);
    expect(p1.meetings[0].id).toBe(after.meetings[1].id);
  });

  it('keeps every rating in the history, newest first; the current star rating is the latest, not the last entered', async () => {
    const r1 = await coordinator.post(`/api/regions/${bg2}/ratings`, { stars: 5, ratedOn: daysAgo(2), reason: '楼道整治成效明显' });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    expect(r1.body).toMatchObject({ current: 5, rating: { stars: 5, regionCode: bg2, ratedBy: `grid-${grid}` } });
    // A backdated rating joins the history but does not replace the current value.
    const r2 = await admin.post(`/api/regions/${bg2}/ratings`, { stars: 1, ratedOn: daysAgo(30), reason: '补录上月评定' });
    expect(r2.body.current).toBe(5);
    const history = (await leader.get(`/api/regions/${bg2}/ratings`)).body;
    expect(history.current).toBe(5);
    expect(history.ratings[0].id).toBe(r1.body.rating.id);
    const days = history.ratings.map((r: { ratedOn: string }) => r.ratedOn);
    expect(days).toEqual([...days].sort().reverse());
    expect(history.ratings.map((r: { id: number }) => r.id)).toContain(r2.body.rating.id);
    // Existing readers see the current value.
    expect((await leader.get(`/api/regions/${bg2}`)).body.starRating).toBe(5);
    const r3 = await coordinator.post(`/api/regions/${bg2}/ratings`, { stars: 3, ratedOn: daysAgo(0), reason: '复评' });
    expect(r3.body.current).toBe(3);
    expect((await leader.get(`/api/regions/${bg2}`)).body.starRating).toBe(3);
  });

  it('refuses writes outside the coordinator’s grid, by leaders and displays (403) and changes nothing', async () => {
    const before = await counts();
    const display = client(server.url, await login(server.url, 'display'));
    for (const [who, api, code] of [
      ['coordinator outside', coordinator, foreign],
      ['leader', leader, bg],
      ['display', display, bg],
    ] as const) {
      for (const [path, body] of [
        ['meetings', meeting()],
        ['ratings', { stars: 4, ratedOn: daysAgo(1), reason: '测试' }],
      ] as const) {
        const res = await api.post(`/api/regions/${code}/${path}`, body);
        expect({ who, path, status: res.status }).toEqual({ who, path, status: 403 });
        expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      }
    }
    // Reads outside the coordinator's grid are 403 too.
    expect((await coordinator.get(`/api/regions/${foreign}/meetings`)).status).toBe(403);
    expect((await coordinator.get(`/api/regions/${foreign}/ratings`)).status).toBe(403);
    expect(await counts()).toEqual(before);
  });

  it('answers bad input with 400 (or 404 for an unknown region) in the error body and changes nothing', async () => {
    const before = await counts();
    const bad: [string, unknown][] = [
      ['meetings', meeting({ kind: 'party' })],
      ['meetings', meeting({ heldOn: '2026-02-30' })],
      ['meetings', meeting({ heldOn: daysAgo(-3) })],
      ['meetings', meeting({ heldOn: 'yesterday' })],
      ['meetings', meeting({ attendees: -1 })],
      ['meetings', meeting({ topic: '' })],
      ['meetings', meeting({ colour: 'red' })],
      ['meetings', meeting({ topic: 'a\u0000b' })],
      ['ratings', { stars: 6, ratedOn: daysAgo(1), reason: 'x' }],
      ['ratings', { stars: 0, ratedOn: daysAgo(1), reason: 'x' }],
      ['ratings', { stars: 3.5, ratedOn: daysAgo(1), reason: 'x' }],
      ['ratings', { stars: 3, ratedOn: daysAgo(1) }],
      ['ratings', { stars: 3, ratedOn: '1999-12-31', reason: 'x' }],
    ];
    for (const [path, body] of bad) {
      const res = await admin.post(`/api/regions/${bg}/${path}`, body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    // Meetings and ratings belong to building groups.
    for (const path of ['meetings', 'ratings']) {
      const body = path === 'meetings' ? meeting() : { stars: 3, ratedOn: daysAgo(1), reason: 'x' };
      const res = await admin.post(`/api/regions/${grid}/${path}`, body);
      expect([res.status, res.body.error]).toEqual([400, 'not_a_building_group']);
      expect((await admin.post(`/api/regions/4101059999999999/${path}`, body)).status).toBe(404);
    }
    expect((await leader.get(`/api/regions/${grid}/ratings`)).status).toBe(400);
    expect((await leader.get(`/api/regions/${bg}/meetings?limit=0`)).status).toBe(400);
    expect((await leader.get(`/api/regions/${bg}/meetings?limit=abc`)).status).toBe(400);
    expect((await leader.get('/api/regions/12/meetings')).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('logs each write as an event and pushes it live to a leader’s socket subscribed to the street', async () => {
    const socket = await connect(server.url, await login(server.url, 'leader'));
    try {
      const ack: SubscribeAck = await socket.emitWithAck('subscribe', { region: bg.slice(0, 9) });
      expect(ack.ok).toBe(true);
      const received: ChangeMessage[] = [];
      socket.on('change', (m: ChangeMessage) => received.push(m));
      const m = await coordinator.post(`/api/regions/${bg}/meetings`, meeting({ kind: 'situation', topic: '直播测试' }));
      const r = await coordinator.post(`/api/regions/${bg}/ratings`, { stars: 4, ratedOn: daysAgo(0), reason: '直播测试' });
      await until(() => received.some((e) => e.layer === 'meetings' && e.id === String(m.body.id)) && received.some((e) => e.layer === 'ratings' && e.id === String(r.body.rating.id)));
      const me = received.find((e) => e.layer === 'meetings' && e.id === String(m.body.id))!;
      expect(me).toMatchObject({ op: 'create', regionCode: bg, actor: `grid-${grid}`, after: { kind: 'situation', topic: '直播测试' }, feature: null });
      expect(me.regionPath).toEqual(['410105', bg.slice(0, 9), bg.slice(0, 12), grid, bg]);
      const re = received.find((e) => e.layer === 'ratings')!;
      expect(re).toMatchObject({ op: 'create', regionCode: bg, after: { starRating: 4, stars: 4 } });
      expect(re.before).toHaveProperty('starRating');
      // And in the catch-up log.
      const log = await leader.get(`/api/events?since=${me.seq - 1}&limit=10`);
      expect(log.body.events.map((e: { layer: string }) => e.layer)).toEqual(expect.arrayContaining(['meetings', 'ratings']));
    } finally {
      socket.close();
    }
  });
});
