// The regional Party-building ledger (区域化党建台账) over HTTP and Socket.IO: the real server on real PostGIS (both
// backends) over the committed sample, a real socket.io-client for the live pushes; nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { ChangeMessage } from '../../server/src/contract/events.js';
import { lastTwelveMonths, type LedgerRecord, type LedgerSummary } from '../../server/src/contract/ledger.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { connect } from '../helpers/socket.js';

const JINGBALU = '410105001';
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** The next `change` of layer `ledger` with this id on the socket. */
const nextLedgerChange = (socket: Socket, id: () => string | undefined, ms = 10_000) =>
  new Promise<ChangeMessage>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no live ledger change')), ms);
    const seen: ChangeMessage[] = [];
    const check = () => {
      const hit = seen.find((m) => m.layer === 'ledger' && m.id === id());
      if (hit) {
        clearTimeout(timer);
        socket.off('change', on);
        resolve(hit);
      }
    };
    const on = (m: ChangeMessage) => {
      seen.push(m);
      check();
    };
    socket.on('change', on);
    // The write's answer may come after its push: check again once the caller knows the id.
    const poll = setInterval(() => (check(), id() && clearInterval(poll)), 20);
    setTimeout(() => clearInterval(poll), ms);
  });

describe.each(BACKENDS)('ledger API on %s', (backend) => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let leader: ReturnType<typeof client>;
  let coordinator: ReturnType<typeof client>;
  let coordinatorToken: string;
  let grid: string;
  let community: string;
  let unitOfStreet: string;

  beforeAll(async () => {
    server = await startTestServer({ backend });
    admin = client(server.url, await login(server.url, 'admin'));
    leader = client(server.url, await login(server.url, 'leader'));
    // A grid of 经八路 whose community has a member unit: its coordinator writes that community's ledger.
    const [row] = await server.db.query<{ grid: string; unit: string }>(
      `SELECT r.code AS grid, m.id AS unit FROM regions r JOIN member_units m ON m.region_code LIKE left(r.code, 12) || '%'
        WHERE r.level = 'grid' AND r.code LIKE $1 || '%' ORDER BY r.code, m.id LIMIT 1`,
      [JINGBALU],
    );
    grid = row.grid;
    community = grid.slice(0, 12);
    unitOfStreet = row.unit;
    coordinatorToken = await login(server.url, `grid-${grid}`);
    coordinator = client(server.url, coordinatorToken);
  });
  afterAll(() => server?.close());

  const counts = async () =>
    (
      await server.db.query<{ records: number; lists: number; funds: number; events: number }>(
        `SELECT (SELECT count(*) FROM ledger_records) AS records, (SELECT count(*) FROM ledger_list_entries) AS lists,
                (SELECT count(*) FROM ledger_funds) AS funds, (SELECT count(*) FROM events) AS events`,
      )
    )[0];

  it("counts 经八路's 71 / 21 / 115 / 161 from its records over the last 12 months (summary and /api/stats)", async () => {
    const res = await leader.get(`/api/ledger/${JINGBALU}`);
    expect(res.status).toBe(200);
    const s = res.body as LedgerSummary;
    expect(s.region).toEqual({ code: JINGBALU, name: '经八路街道', level: 'street' });
    expect(s.period).toEqual(lastTwelveMonths());
    expect([s.jointMeetings, s.problemsSolved, s.agreements, s.jointServices]).toEqual([71, 21, 115, 161]);
    expect(s.problemsRaised).toBe(26);
    // The same figures are a count of the rows, not a stored number.
    const [direct] = await server.db.query<{ n: number }>(
      `SELECT count(*) AS n FROM ledger_records WHERE region_code LIKE $1 || '%' AND kind = 'joint_meeting' AND occurred_on BETWEEN $2 AND $3`,
      [JINGBALU, s.period.from, s.period.to],
    );
    expect(direct.n).toBe(71);
    expect(s.memberUnits).toBe(24);
    expect(s.funds.charityStreets).toBe(1);
    expect(s.funds.byKind.charity).toBeGreaterThan(0);

    const stats = (await leader.get(`/api/stats?region=${JINGBALU}`)).body;
    expect(stats.coBuilding).toEqual({ jointMeetings: 71, problemsRaised: 26, problemsSolved: 21, agreements: 115, jointServices: 161 });
  });

  it('rolls up any level by code prefix: the district sums its streets; a wider period counts the older records', async () => {
    const district = (await leader.get('/api/ledger/410105')).body as LedgerSummary;
    expect(district.serviceItems.total).toBe(146);
    expect(Object.values(district.serviceItems.byCategory).filter((n) => n > 0)).toHaveLength(8);
    expect(district.funds.charityStreets).toBe(6);
    expect(district.funds.byKind.work).toBe(214 * 5);
    expect(district.funds.byKind.party_building).toBe(214 * 5);
    expect(district.funds.byKind.service).toBe(214 * 30);
    let streets = 0;
    for (let i = 1; i <= 19; i++) streets += ((await leader.get(`/api/ledger/410105${String(i).padStart(3, '0')}`)).body as LedgerSummary).jointMeetings;
    expect(district.jointMeetings).toBe(streets);
    const stats = (await leader.get('/api/stats')).body;
    expect(stats.coBuilding.jointMeetings).toBe(district.jointMeetings);
    expect(stats.services).toMatchObject({ freeItems: 146, categories: 8, charityFundStreets: 6 });

    const communityFigures = (await leader.get(`/api/ledger/${community}`)).body as LedgerSummary;
    expect(communityFigures.jointMeetings).toBeLessThan(71);
    const wide = (await leader.get(`/api/ledger/${JINGBALU}?from=${daysAgo(800)}&to=${today()}`)).body as LedgerSummary;
    expect(wide.jointMeetings).toBeGreaterThan(71);
    const listed = await leader.get(`/api/ledger/${JINGBALU}/records?kind=joint_meeting`);
    expect(listed.body.total).toBe(71);
    expect(listed.body.records.every((r: LedgerRecord) => r.kind === 'joint_meeting' && r.regionCode.startsWith(JINGBALU))).toBe(true);
    expect((await leader.get(`/api/ledger/${JINGBALU}/lists`)).body.length).toBeGreaterThan(0);
    expect((await leader.get(`/api/ledger/${JINGBALU}/service-items`)).body.every((i: { regionCode: string }) => i.regionCode.startsWith(JINGBALU))).toBe(true);
    expect((await leader.get(`/api/ledger/${JINGBALU}/funds`)).body.length).toBeGreaterThan(0);
  });

  it('writes a record as an event, pushes it live to the street and district rooms, and counts it at once', async () => {
    const socket = await connect(server.url, await login(server.url, 'leader'));
    try {
      expect((await socket.timeout(5000).emitWithAck('subscribe', { region: JINGBALU })).ok).toBe(true);
      let id: string | undefined;
      const pushed = nextLedgerChange(socket, () => id);
      const res = await admin.post('/api/ledger/records', { kind: 'joint_meeting', regionCode: community, title: '测试联席会议', occurredOn: today(), memberUnitIds: [unitOfStreet] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      id = res.body.record.id;
      const message = await pushed;
      expect(message).toMatchObject({ layer: 'ledger', op: 'create', regionCode: community, actor: 'admin', seq: res.body.seq });
      expect(message.regionPath).toEqual(['410105', JINGBALU, community]);
      expect(message.after).toMatchObject({ entity: 'record', kind: 'joint_meeting', title: '测试联席会议' });
      const [event] = await server.db.query(`SELECT layer, op FROM events WHERE seq = $1`, [res.body.seq]);
      expect(event).toEqual({ layer: 'ledger', op: 'create' });
      expect(((await leader.get(`/api/ledger/${JINGBALU}`)).body as LedgerSummary).jointMeetings).toBe(72);
      expect((await leader.get(`/api/stats?region=${JINGBALU}`)).body.coBuilding.jointMeetings).toBe(72);
    } finally {
      socket.close();
    }
  });

  it('lets the coordinator of a grid mark a problem of its community solved; a stale version is a 409 that changes nothing', async () => {
    const created = await coordinator.post('/api/ledger/records', { kind: 'problem', regionCode: community, title: '楼道照明损坏', occurredOn: daysAgo(5) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const record = created.body.record as LedgerRecord;
    expect(record).toMatchObject({ createdBy: `grid-${grid}`, solvedOn: null, version: 1 });
    const before = (await leader.get(`/api/ledger/${JINGBALU}`)).body as LedgerSummary;

    const solved = await coordinator.patch(`/api/ledger/records/${record.id}`, { version: 1, solvedOn: today() });
    expect(solved.status, JSON.stringify(solved.body)).toBe(200);
    expect(solved.body.record).toMatchObject({ solvedOn: today(), version: 2 });
    const after = (await leader.get(`/api/ledger/${JINGBALU}`)).body as LedgerSummary;
    expect(after.problemsSolved).toBe(before.problemsSolved + 1);
    const [event] = await server.db.query(`SELECT op, before, after FROM events WHERE seq = $1`, [solved.body.seq]);
    expect(event).toMatchObject({ op: 'update', before: { entity: 'record', solvedOn: null }, after: { entity: 'record', solvedOn: today(), version: 2 } });

    const n = await counts();
    const stale = await admin.patch(`/api/ledger/records/${record.id}`, { version: 1, notes: '迟到的修改' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'version_conflict', current: { id: record.id, version: 2, notes: '' } });
    expect(await counts()).toEqual(n);
  });

  it('refuses writes outside the writer’s scope with 403 and changes nothing', async () => {
    const [other] = await server.db.query<{ code: string }>(
      `SELECT code FROM regions WHERE level = 'community' AND code LIKE $1 || '%' AND code <> $2 ORDER BY code LIMIT 1`,
      [JINGBALU, community],
    );
    const n = await counts();
    const body = (regionCode: string) => ({ kind: 'agreement', regionCode, title: '越权的共建协议', occurredOn: today() });
    // A coordinator: not a neighbouring community, not their street, not another street.
    for (const region of [other.code, JINGBALU, '410105002']) {
      const res = await coordinator.post('/api/ledger/records', body(region));
      expect({ region, status: res.status, error: res.body.error }).toEqual({ region, status: 403, error: 'forbidden_region' });
    }
    expect((await coordinator.post('/api/ledger/lists', { list: 'need', regionCode: other.code, title: '越权需求' })).status).toBe(403);
    expect((await coordinator.post('/api/ledger/funds', { kind: 'work', regionCode: community, year: 2026, amountWan: 5 })).status).toBe(403);
    // Leaders read, never write.
    expect((await leader.post('/api/ledger/records', body(community))).status).toBe(403);
    // A record of another community: the coordinator cannot see it (404, as unknown) nor change it.
    const [foreign] = await server.db.query<{ id: string; version: number }>(
      `SELECT id, version FROM ledger_records WHERE region_code NOT LIKE $1 || '%' ORDER BY id LIMIT 1`,
      [community],
    );
    expect((await coordinator.patch(`/api/ledger/records/${foreign.id}`, { version: foreign.version, notes: 'x' })).status).toBe(404);
    expect((await coordinator.get(`/api/ledger/${JINGBALU}`)).status).toBe(403);
    expect((await coordinator.get(`/api/ledger/${community}`)).status).toBe(200);
    expect(await counts()).toEqual(n);
  });

  it('answers bad input with a 400 in the error shape and changes nothing', async () => {
    const n = await counts();
    const good = { kind: 'joint_service', regionCode: community, title: '义诊', occurredOn: today() };
    const bad: [string, unknown][] = [
      ['unknown kind', { ...good, kind: 'party' }],
      ['grid region', { ...good, regionCode: grid }],
      ['not a date', { ...good, occurredOn: '2026-13-40' }],
      ['future date', { ...good, occurredOn: '2999-01-01' }],
      ['empty title', { ...good, title: '   ' }],
      ['unknown field', { ...good, colour: 'red' }],
      ['solved non-problem', { ...good, solvedOn: today() }],
      ['solved before raised', { ...good, kind: 'problem', occurredOn: today(), solvedOn: daysAgo(3) }],
      ['unit of another street', { ...good, memberUnitIds: ['mu-9999'] }],
    ];
    for (const [what, body] of bad) {
      const res = await admin.post('/api/ledger/records', body);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(typeof res.body.error).toBe('string');
      expect(typeof res.body.message).toBe('string');
    }
    expect((await admin.get(`/api/ledger/${JINGBALU}?from=${today()}&to=${daysAgo(10)}`)).status).toBe(400);
    expect((await admin.get('/api/ledger/12ab')).status).toBe(400);
    expect((await admin.get('/api/ledger/410105999')).status).toBe(404);
    expect((await admin.post('/api/ledger/funds', { kind: 'charity', regionCode: community, year: 2026, amountWan: 10 })).status).toBe(400);
    expect((await admin.patch('/api/ledger/records/lr-00001', { version: 1 })).status).toBe(400);
    expect(await counts()).toEqual(n);
  });

  it('moves a list entry and records funds once per region, kind and year (admin only)', async () => {
    const created = await coordinator.post('/api/ledger/lists', { list: 'need', regionCode: community, title: '儿童课后托管' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const entry = created.body.entry;
    expect(entry).toMatchObject({ status: 'open', version: 1 });
    const matched = await coordinator.patch(`/api/ledger/lists/${entry.id}`, { version: 1, status: 'matched', memberUnitId: unitOfStreet });
    expect(matched.status, JSON.stringify(matched.body)).toBe(200);
    expect(matched.body.entry).toMatchObject({ status: 'matched', memberUnitId: unitOfStreet, version: 2 });
    expect((await coordinator.patch(`/api/ledger/lists/${entry.id}`, { version: 1, status: 'done' })).status).toBe(409);

    const year = new Date().getUTCFullYear() + 1;
    const fund = await admin.post('/api/ledger/funds', { kind: 'work', regionCode: community, year, amountWan: 5 });
    expect(fund.status, JSON.stringify(fund.body)).toBe(201);
    expect(fund.body.fund).toMatchObject({ kind: 'work', regionCode: community, year, amountWan: 5 });
    const again = await admin.post('/api/ledger/funds', { kind: 'work', regionCode: community, year, amountWan: 6 });
    expect(again).toMatchObject({ status: 409, body: { error: 'fund_exists' } });
  });
});
