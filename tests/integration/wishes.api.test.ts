// 微心愿 micro-wishes through the generic layer API: create, claim by a member unit, fulfil; the write checks;
// live events on a real socket.io-client; and the layer in OGC, tiles and exports. Real server on real PostGIS
// (both backends); nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ChangeMessage, SubscribeAck } from '../../server/src/contract/events.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { connect, until } from '../helpers/socket.js';

type Api = ReturnType<typeof client>;

describe.each(BACKENDS)('micro-wishes on %s', (backend) => {
  let server: TestServer;
  let leader: Api;
  let coordinator: Api;
  let coordinatorToken: string;
  let grid: string;
  /** A location inside the coordinator's grid (a building group's inner point) and one in another street. */
  let inside: { lon: number; lat: number };
  let elsewhere: { lon: number; lat: number };
  let n = 0;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    leader = client(server.url, await login(server.url, 'leader'));
    // A grid in a street with active member units (someone to claim), picked from the database.
    const [row] = await server.db.query<{ grid: string; lon: number; lat: number }>(
      `SELECT left(r.code, 14) AS grid, ST_X(ST_PointOnSurface(r.geom)) AS lon, ST_Y(ST_PointOnSurface(r.geom)) AS lat
         FROM regions AS r WHERE r.level = 'building_group'
          AND EXISTS (SELECT 1 FROM member_units m WHERE m.status = 'active' AND m.region_code LIKE left(r.code, 9) || '%')
        ORDER BY r.code LIMIT 1`,
    );
    grid = row.grid;
    inside = { lon: row.lon, lat: row.lat };
    const [far] = await server.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM regions
        WHERE level = 'building_group' AND code NOT LIKE $1 || '%' ORDER BY code DESC LIMIT 1`,
      [grid.slice(0, 9)],
    );
    elsewhere = far;
    coordinatorToken = await login(server.url, `grid-${grid}`);
    coordinator = client(server.url, coordinatorToken);
  });
  afterAll(() => server?.close());

  const wishBody = (at = inside) => ({ name: `测试心愿 ${++n}`, requester: '3号楼 王阿姨', category: 'elderly', ...at });
  const counts = async () =>
    (await server.db.query<{ wishes: number; events: number }>(`SELECT (SELECT count(*) FROM micro_wishes) AS wishes, (SELECT count(*) FROM events) AS events`))[0];

  it('serves the sample wishes with a status mix, claimed ones naming a member unit of their street', async () => {
    const res = await leader.get('/api/layers/micro-wishes');
    expect(res.status).toBe(200);
    const features = res.body.features as { properties: Record<string, any> }[];
    expect(features.length).toBe(60);
    const statuses = new Set(features.map((f) => f.properties.status));
    expect([...statuses].sort()).toEqual(['cancelled', 'claimed', 'fulfilled', 'open']);
    const units = new Map((await server.db.query<{ id: string; region: string }>(`SELECT id, region_code AS region FROM member_units`)).map((u) => [u.id, u.region]));
    for (const f of features.filter((x) => x.properties.status === 'claimed' || x.properties.status === 'fulfilled')) {
      expect(units.get(f.properties.claimedBy)?.slice(0, 9)).toBe(f.properties.regionCode.slice(0, 9));
      expect(f.properties.claimedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    }
    for (const f of features.filter((x) => x.properties.status === 'open')) expect(f.properties.claimedBy).toBeNull();
  });

  it('goes open → claimed (by a member unit) → fulfilled, each change in the history', async () => {
    const created = await coordinator.post('/api/layers/micro-wishes', wishBody());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const wish = created.body.feature;
    expect(wish.properties).toMatchObject({ layer: 'micro-wishes', status: 'open', version: 1, requester: '3号楼 王阿姨', category: 'elderly', claimedBy: null });
    expect(wish.properties.regionCode.startsWith(grid)).toBe(true);
    expect(created.body.seq).toBeGreaterThan(0);

    const got = await coordinator.get(`/api/layers/micro-wishes/${wish.id}`);
    expect(got.body.properties.nextStatuses.sort()).toEqual(['cancelled', 'claimed']);
    const claimants = await coordinator.get(`/api/layers/micro-wishes/${wish.id}/claimants`);
    expect(claimants.status).toBe(200);
    expect(claimants.body.length).toBeGreaterThan(0);
    expect(claimants.body.every((c: { regionCode: string }) => c.regionCode.startsWith(grid.slice(0, 9)))).toBe(true);
    const unit = claimants.body[0];

    const claimed = await coordinator.patch(`/api/layers/micro-wishes/${wish.id}`, { status: 'claimed', version: 1, claimedBy: unit.id });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    expect(claimed.body.feature.properties).toMatchObject({ status: 'claimed', version: 2, claimedBy: unit.id });
    expect(Date.now() - Date.parse(claimed.body.feature.properties.claimedAt)).toBeLessThan(60_000);

    const fulfilled = await coordinator.patch(`/api/layers/micro-wishes/${wish.id}`, { status: 'fulfilled', version: 2, note: '已送达' });
    expect(fulfilled.status).toBe(200);
    expect(fulfilled.body.feature.properties).toMatchObject({ status: 'fulfilled', version: 3, claimedBy: unit.id });
    expect(fulfilled.body.feature.properties.fulfilledAt).toMatch(/^\d{4}-/);

    const history = await leader.get(`/api/layers/micro-wishes/${wish.id}/history`);
    expect(history.body.events.map((e: { op: string; after: { status: string } }) => [e.op, e.after.status])).toEqual([
      ['create', 'open'],
      ['update', 'claimed'],
      ['update', 'fulfilled'],
    ]);
    expect(history.body.events[1].after.claimedBy).toBe(unit.id);
    // Fulfilled is final.
    const again = await coordinator.patch(`/api/layers/micro-wishes/${wish.id}`, { status: 'open', version: 3 });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_transition');
  });

  it('releasing a claim clears the member unit; the wish can then be claimed again', async () => {
    const wish = (await coordinator.post('/api/layers/micro-wishes', wishBody())).body.feature;
    const [unit] = (await coordinator.get(`/api/layers/micro-wishes/${wish.id}/claimants`)).body;
    await coordinator.patch(`/api/layers/micro-wishes/${wish.id}`, { status: 'claimed', version: 1, claimedBy: unit.id });
    const released = await coordinator.patch(`/api/layers/micro-wishes/${wish.id}`, { status: 'open', version: 2 });
    expect(released.status).toBe(200);
    expect(released.body.feature.properties).toMatchObject({ status: 'open', claimedBy: null, claimedAt: null });
  });

  it('refuses a claim without a member unit, with an unknown one or one of another street (400), and changes nothing', async () => {
    const wish = (await coordinator.post('/api/layers/micro-wishes', wishBody())).body.feature;
    const [foreign] = await server.db.query<{ id: string }>(`SELECT id FROM member_units WHERE region_code NOT LIKE $1 || '%' ORDER BY id LIMIT 1`, [grid.slice(0, 9)]);
    const before = await counts();
    const cases: [unknown, string][] = [
      [{ status: 'claimed', version: 1 }, 'claim_requires_member_unit'],
      [{ status: 'claimed', version: 1, claimedBy: 'mu-9999' }, 'unknown_member_unit'],
      [{ status: 'claimed', version: 1, claimedBy: foreign.id }, 'unknown_member_unit'],
      [{ status: 'cancelled', version: 1, claimedBy: foreign.id }, 'bad_request'],
    ];
    for (const [body, error] of cases) {
      const res = await coordinator.patch(`/api/layers/micro-wishes/${wish.id}`, body);
      expect({ body, status: res.status, error: res.body.error }).toEqual({ body, status: 400, error });
    }
    // claimedBy belongs to micro-wishes only.
    const [compound] = await server.db.query<{ id: string; version: number }>(`SELECT id, version FROM compounds WHERE region_code LIKE $1 || '%' LIMIT 1`, [grid]);
    if (compound) expect((await coordinator.patch(`/api/layers/compounds/${compound.id}`, { status: 'pending', version: compound.version, claimedBy: 'mu-0001' })).status).toBe(400);
    expect(await counts()).toEqual(before);
    expect((await coordinator.get(`/api/layers/micro-wishes/${wish.id}`)).body.properties).toMatchObject({ status: 'open', version: 1, claimedBy: null });
  });

  it('refuses a wish outside the coordinator’s grid (403), from a display (403), outside the district and for other layers', async () => {
    const before = await counts();
    const outside = await coordinator.post('/api/layers/micro-wishes', wishBody(elsewhere));
    expect(outside.status).toBe(403);
    expect(outside.body.error).toBe('forbidden_region');
    const display = client(server.url, await login(server.url, 'display'));
    expect((await display.post('/api/layers/micro-wishes', wishBody())).status).toBe(403);
    const far = await leader.post('/api/layers/micro-wishes', wishBody({ lon: 116.4, lat: 39.9 }));
    expect([far.status, far.body.error]).toEqual([400, 'outside_district']);
    const compounds = await leader.post('/api/layers/compounds', wishBody());
    expect([compounds.status, compounds.body.error]).toEqual([405, 'not_creatable']);
    expect((await leader.post('/api/layers/unicorns', wishBody())).status).toBe(404);
    // A wish of another grid is unknown to this coordinator, as any point outside their area.
    const [other] = await server.db.query<{ id: string }>(`SELECT id FROM micro_wishes WHERE region_code NOT LIKE $1 || '%' AND status = 'open' LIMIT 1`, [grid]);
    expect((await coordinator.patch(`/api/layers/micro-wishes/${other.id}`, { status: 'cancelled', version: 1 })).status).toBe(404);
    expect((await coordinator.get(`/api/layers/micro-wishes/${other.id}/claimants`)).status).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('answers malformed creations with 400 in the error body and writes nothing', async () => {
    const before = await counts();
    const bad: unknown[] = [
      {},
      { ...wishBody(), category: 'unicorns' },
      { ...wishBody(), lon: 500 },
      { ...wishBody(), lat: 'north' },
      { ...wishBody(), name: '' },
      { ...wishBody(), requester: 'x'.repeat(41) },
      { ...wishBody(), regionCode: grid },
      { ...wishBody(), name: 'a\u0000b' },
    ];
    for (const body of bad) {
      const res = await coordinator.post('/api/layers/micro-wishes', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    }
    expect(await counts()).toEqual(before);
  });

  it('applies a retried creation with the same Idempotency-Key once', async () => {
    const before = await counts();
    const body = wishBody();
    const send = () =>
      fetch(`${server.url}/api/layers/micro-wishes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${coordinatorToken}`, 'content-type': 'application/json', 'idempotency-key': `wish-${backend}-${n}` },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const first = await send();
    const second = await send();
    expect(first.status).toBe(201);
    expect(second.body.feature.id).toBe(first.body.feature.id);
    expect(second.body.seq).toBe(first.body.seq);
    expect(await counts()).toEqual({ wishes: before.wishes + 1, events: before.events + 1 });
  });

  it('pushes a creation and a claim live to a leader’s socket subscribed to the street', async () => {
    const socket = await connect(server.url, (await login(server.url, 'leader')) as string);
    try {
      const ack: SubscribeAck = await socket.emitWithAck('subscribe', { region: grid.slice(0, 9) });
      expect(ack.ok).toBe(true);
      const received: ChangeMessage[] = [];
      socket.on('change', (m: ChangeMessage) => received.push(m));
      const created = await coordinator.post('/api/layers/micro-wishes', wishBody());
      const id = created.body.feature.id;
      const [unit] = (await coordinator.get(`/api/layers/micro-wishes/${id}/claimants`)).body;
      const claimed = await coordinator.patch(`/api/layers/micro-wishes/${id}`, { status: 'claimed', version: 1, claimedBy: unit.id });
      await until(() => received.filter((m) => m.id === id).length === 2);
      const [c, u] = received.filter((m) => m.id === id);
      expect(c).toMatchObject({ layer: 'micro-wishes', op: 'create', seq: created.body.seq, after: { status: 'open' } });
      expect(u).toMatchObject({ layer: 'micro-wishes', op: 'update', seq: claimed.body.seq, after: { status: 'claimed', claimedBy: unit.id } });
      expect(u.feature?.properties).toMatchObject({ status: 'claimed', claimedBy: unit.id });
      expect(u.regionPath.at(-1)).toBe(created.body.feature.properties.regionCode);
    } finally {
      socket.close();
    }
  });

  it('is a layer like the others: OGC collection, vector tiles and CSV export', async () => {
    const collection = await leader.get('/ogc/collections/micro-wishes/items?limit=100');
    expect(collection.status).toBe(200);
    expect(collection.body.numberMatched).toBeGreaterThanOrEqual(60);
    expect((await leader.get('/tiles/micro-wishes.json')).body.vector_layers[0].fields).toMatchObject({ category: expect.any(String), claimedBy: expect.any(String) });
    const token = await login(server.url, 'leader');
    const csv = await fetch(`${server.url}/api/export/micro-wishes?format=csv`, { headers: { authorization: `Bearer ${token}` } });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(text).toContain('心愿人');
    expect(text).toContain('待认领');
  });
});
