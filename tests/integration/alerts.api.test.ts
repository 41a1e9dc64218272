// Alerts (issue 11, part 2) on real parts: the real server (buildApp) over real PostGIS on both backends, its own
// alert rules evaluated in SQL, changes through the HTTP API, live events on a real socket.io-client. On
// PostgreSQL a second server over the same database evaluates at the same time (two processes' worth of races).
// Nothing mocked; the only direct SQL writes are test fixtures that age a dispute or a campaign grid.
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../server/src/app.js';
import { AlertsRepository } from '../../server/src/alerts/alerts.repository.js';
import type { Alert, AlertList } from '../../server/src/contract/alerts.js';
import type { ChangeMessage } from '../../server/src/contract/events.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { testConfig } from '../helpers/templates.js';
import { client, login } from '../helpers/api.js';
import { connect } from '../helpers/socket.js';

const PASSWORD = 'alerts-password-1';

/** Alert events a socket received, and a wait for one that matches. */
function alertFeed(socket: Socket) {
  const received: ChangeMessage[] = [];
  socket.on('change', (m: ChangeMessage) => {
    if (m.layer === 'alerts') received.push(m);
  });
  return {
    received,
    async next(match: (m: ChangeMessage) => boolean, ms = 15_000): Promise<ChangeMessage> {
      const end = Date.now() + ms;
      for (;;) {
        const found = received.find(match);
        if (found) return found;
        if (Date.now() > end) throw new Error(`no matching alert event; got ${JSON.stringify(received.map((m) => [m.op, m.after?.subject, m.after?.state]))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

const until = async <T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe.each(BACKENDS)('alerts on %s', (backend) => {
  let database: TestDatabase;
  let server: App;
  /** A second server over the same PostgreSQL database (postgres only): its evaluations race the first's. */
  let peer: App | undefined;
  let url: string;
  let admin: ReturnType<typeof client>;
  let leaderToken: string;
  let socket: Socket;
  let feed: ReturnType<typeof alertFeed>;
  /** A community service centre that is open, its grid and street. */
  let centre: { id: string; version: number; grid: string; street: string };

  const sql = <T = Record<string, any>>(text: string, params: unknown[] = []) => server.db.query<T>(text, params);
  const alertsOf = (subject: string) =>
    sql<{ id: string; episode: string; resolved_by: string | null }>(`SELECT id, episode, resolved_by FROM alerts WHERE subject = $1 ORDER BY raised_at`, [subject]);
  const eventCount = async (id: string, op: string) =>
    (await sql<{ n: number }>(`SELECT count(*) AS n FROM events WHERE layer = 'alerts' AND feature_id = $1 AND op = $2`, [id, op]))[0].n;
  const unresolvedCount = async () => (await sql<{ n: number }>(`SELECT count(*) AS n FROM alerts WHERE resolved_at IS NULL`))[0].n;
  const patchPoint = async (layer: string, id: string, status: string) => {
    const { version } = (await admin.get(`/api/layers/${layer}/${id}`)).body.properties;
    const res = await admin.patch(`/api/layers/${layer}/${id}`, { status, version });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    const config = testConfig({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    // No timer: every evaluation in this suite is the start's, a change's or the test's own.
    config.alerts = { ...config.alerts, evaluateMs: 0 };
    server = await buildApp(config);
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    if (backend === 'postgres') peer = await buildApp(config);
    admin = client(url, await login(url, 'admin'));
    leaderToken = await login(url, 'leader');
    socket = await connect(url, leaderToken);
    feed = alertFeed(socket);
    expect((await socket.emitWithAck('subscribe', { region: '410105' })).ok).toBe(true);
    const [row] = await sql<{ id: string; version: number; region: string }>(
      `SELECT id, version, region_code AS region FROM service_centres WHERE status = 'open' AND level = 'community' AND length(region_code) >= 14 ORDER BY id LIMIT 1`,
    );
    centre = { id: row.id, version: row.version, grid: row.region.slice(0, 14), street: row.region.slice(0, 9) };
    // Queued behind the evaluation the server ran when it became ready.
    await server.alerts.evaluate([]);
  });
  afterAll(async () => {
    socket?.close();
    await peer?.app.close();
    await server?.app.close();
    await database?.drop();
  });

  it("raises the sample's overdue disputes and its quiet campaign grids at start, one alert and one event each", async () => {
    const byRule = await sql<{ rule: string; n: number }>(`SELECT rule, count(*) AS n FROM alerts WHERE resolved_at IS NULL GROUP BY rule`);
    const count = (rule: string) => byRule.find((r) => r.rule === rule)?.n ?? 0;
    // The sample's deadlines follow the same per-level limits, so the overdue KPI and the alerts agree.
    const stats = (await admin.get('/api/stats')).body;
    expect(stats.disputes.overdue).toBeGreaterThan(0);
    expect(count('dispute_overdue')).toBe(stats.disputes.overdue);
    expect(count('campaign_stalled')).toBe(3);
    expect(count('centre_closed')).toBe(0);
    const events = await sql<{ n: number; actors: string[] }>(`SELECT count(*) AS n, array_agg(DISTINCT actor) AS actors FROM events WHERE layer = 'alerts' AND op = 'create'`);
    expect(events[0]).toEqual({ n: count('dispute_overdue') + 3, actors: ['system'] });

    const again = await Promise.all([server.alerts.evaluate(), server.alerts.evaluate(), peer?.alerts.evaluate()]);
    expect(again.flatMap((r) => [...(r?.raised ?? []), ...(r?.resolved ?? [])])).toEqual([]);
    expect(await unresolvedCount()).toBe(count('dispute_overdue') + 3);
  });

  it('raises a closed service centre once, live to the district, however often and however concurrently it is evaluated', async () => {
    await patchPoint('service-centres', centre.id, 'closed');
    const raised = await feed.next((m) => m.op === 'create' && m.after?.subject === `service-centres/${centre.id}`);
    expect(raised).toMatchObject({ actor: 'system', regionCode: expect.stringMatching(`^${centre.grid}`), feature: null });
    expect(raised.regionPath.slice(0, 4)).toEqual(['410105', centre.street, centre.grid.slice(0, 12), centre.grid]);
    expect(raised.after).toMatchObject({ rule: 'centre_closed', state: 'open', severity: 'medium', details: { featureId: centre.id, layer: 'service-centres' } });

    const runs = await Promise.all([...Array.from({ length: 4 }, () => server.alerts.evaluate()), peer?.alerts.evaluate(), peer?.alerts.evaluate()]);
    expect(runs.flatMap((r) => r?.raised ?? [])).toEqual([]);
    const rows = await alertsOf(`service-centres/${centre.id}`);
    expect(rows).toHaveLength(1);
    expect(await eventCount(rows[0].id, 'create')).toBe(1);

    // The database itself refuses a second unresolved alert of the same rule and subject (another occurrence).
    const duplicate = await new AlertsRepository(server.db).raise(server.db, {
      rule: 'centre_closed',
      subject: `service-centres/${centre.id}`,
      episode: 'another',
      regionCode: centre.grid,
      severity: 'medium',
      details: { name: 'x' },
    });
    expect(duplicate).toBeUndefined();
    expect(await alertsOf(`service-centres/${centre.id}`)).toHaveLength(1);
  });

  it('is acknowledged by the coordinator of its grid and resolved by a leader, with who and when, each an event delivered live', async () => {
    const [row] = await alertsOf(`service-centres/${centre.id}`);
    const coordinator = client(url, await login(url, `grid-${centre.grid}`));
    const mine = (await coordinator.get('/api/alerts')).body as AlertList;
    expect(mine.alerts.map((a) => a.id)).toContain(row.id);
    expect(mine.alerts.every((a) => a.regionCode.startsWith(centre.grid))).toBe(true);

    const acked = await coordinator.post(`/api/alerts/${row.id}/ack`, { version: 1 });
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    expect(acked.body).toMatchObject({ state: 'acked', ackedBy: `grid-${centre.grid}`, version: 2, resolvedAt: null });
    expect(Math.abs(Date.parse(acked.body.ackedAt) - Date.now())).toBeLessThan(60_000);
    const ackEvent = await feed.next((m) => m.op === 'update' && m.id === row.id && m.after?.state === 'acked');
    expect(ackEvent).toMatchObject({ actor: `grid-${centre.grid}`, before: { state: 'open', ackedBy: null, version: 1 } });
    expect(ackEvent.after).toMatchObject({ ackedBy: `grid-${centre.grid}`, ackedAt: acked.body.ackedAt });

    const leader = client(url, leaderToken);
    const resolved = await leader.post(`/api/alerts/${row.id}/resolve`, { resolution: '  已协调临时场地，服务照常  ', version: 2 });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({ state: 'resolved', resolvedBy: 'leader', resolution: '已协调临时场地，服务照常', ackedBy: `grid-${centre.grid}`, version: 3 });
    const resolveEvent = await feed.next((m) => m.op === 'update' && m.id === row.id && m.after?.state === 'resolved');
    expect(resolveEvent).toMatchObject({ actor: 'leader', before: { state: 'acked', resolvedBy: null } });
    const log = await sql<{ op: string; actor: string }>(`SELECT op, actor FROM events WHERE layer = 'alerts' AND feature_id = $1 ORDER BY seq`, [row.id]);
    expect(log).toEqual([
      { op: 'create', actor: 'system' },
      { op: 'update', actor: `grid-${centre.grid}` },
      { op: 'update', actor: 'leader' },
    ]);

    // Resolved by a person while the centre stays closed: this closure is not raised again.
    expect((await server.alerts.evaluate(['centre_closed'])).raised).toEqual([]);
    expect(await alertsOf(`service-centres/${centre.id}`)).toHaveLength(1);
  });

  it('answers a wrong state or a stale version with 409 and changes nothing', async () => {
    const [row] = await alertsOf(`service-centres/${centre.id}`);
    const before = (await admin.get('/api/alerts?state=resolved&limit=1000')).body.alerts.find((a: Alert) => a.id === row.id);
    const ack = await admin.post(`/api/alerts/${row.id}/ack`, {});
    expect(ack.status).toBe(409);
    expect(ack.body).toMatchObject({ error: 'invalid_alert_state', current: { state: 'resolved' } });
    expect((await admin.post(`/api/alerts/${row.id}/resolve`, { resolution: 'again' })).status).toBe(409);
    const [open] = (await admin.get('/api/alerts?state=open')).body.alerts as Alert[];
    const stale = await admin.post(`/api/alerts/${open.id}/resolve`, { resolution: 'x', version: open.version + 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toBe('version_conflict');
    expect((await admin.get('/api/alerts?state=resolved&limit=1000')).body.alerts.find((a: Alert) => a.id === row.id)).toEqual(before);
    expect((await admin.get('/api/alerts?state=all&limit=1000')).body.alerts.find((a: Alert) => a.id === open.id)).toEqual(open);
  });

  it('answers bad input with 400 in the error shape, an unknown id with 404, and changes nothing', async () => {
    const [open] = (await admin.get('/api/alerts?state=open')).body.alerts as Alert[];
    const events = (await sql<{ n: number }>(`SELECT count(*) AS n FROM events`))[0].n;
    for (const body of [{}, { resolution: '' }, { resolution: '   ' }, { resolution: 'x', extra: 1 }, { resolution: 'x', version: 'one' }, { resolution: 'x'.repeat(501) }]) {
      const res = await admin.post(`/api/alerts/${open.id}/resolve`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error: 'bad_request', message: expect.any(String) });
    }
    expect((await admin.post(`/api/alerts/${open.id}/ack`, { version: -1 })).status).toBe(400);
    for (const query of ['state=bogus', 'region=abc', 'limit=0', 'limit=x', 'rule=x']) expect((await admin.get(`/api/alerts?${query}`)).status, query).toBe(400);
    expect((await admin.get('/api/alerts?region=41010599999999')).status).toBe(404);
    expect((await admin.post('/api/alerts/no-such-alert/ack', {})).status).toBe(404);
    expect((await sql<{ n: number }>(`SELECT count(*) AS n FROM events`))[0].n).toBe(events);
    expect((await admin.get('/api/alerts?state=all&limit=1000')).body.alerts.find((a: Alert) => a.id === open.id)).toEqual(open);
  });

  it('shows an alert only to users whose regions contain it: not to a leader of another street, 404 to a coordinator outside, 403 to a display', async () => {
    // A new closure (the centre reopens and closes again): a new occurrence, raised again.
    await patchPoint('service-centres', centre.id, 'open');
    await patchPoint('service-centres', centre.id, 'closed');
    const rows = await until(async () => {
      const r = await alertsOf(`service-centres/${centre.id}`);
      return r.length === 2 && !r[1].resolved_by ? r : undefined;
    });
    const id = rows[1].id;
    const [{ code: otherStreet }] = await sql<{ code: string }>(`SELECT code FROM regions WHERE level = 'street' AND code <> $1 ORDER BY code LIMIT 1`, [centre.street]);
    const [{ code: farGrid }] = await sql<{ code: string }>(`SELECT code FROM regions WHERE level = 'grid' AND code LIKE $1 || '%' ORDER BY code LIMIT 1`, [otherStreet]);
    const make = async (role: string, region: string) => {
      const username = `alerts-${role}-${backend}-${region}`;
      expect((await admin.post('/api/admin/users', { username, password: PASSWORD, role, regionCodes: [region] })).status).toBe(201);
      return client(url, await login(url, username, PASSWORD));
    };
    const otherLeader = await make('leader', otherStreet);
    const theirs = (await otherLeader.get('/api/alerts?state=all&limit=1000')).body as AlertList;
    expect(theirs.alerts.filter((a) => a.regionCode.startsWith(centre.street))).toEqual([]);
    expect(theirs.alerts.every((a) => a.regionCode.startsWith(otherStreet))).toBe(true);
    expect((await otherLeader.get(`/api/alerts?region=${centre.street}`)).status).toBe(403);
    expect((await otherLeader.post(`/api/alerts/${id}/ack`, {})).status).toBe(404);

    const outsider = await make('coordinator', farGrid);
    expect((await outsider.post(`/api/alerts/${id}/ack`, {})).status).toBe(404);
    expect((await outsider.post(`/api/alerts/${id}/resolve`, { resolution: 'not mine' })).status).toBe(404);
    const display = client(url, await login(url, 'display'));
    expect((await display.get('/api/alerts')).body.alerts.map((a: Alert) => a.id)).toContain(id);
    expect((await display.post(`/api/alerts/${id}/ack`, {})).status).toBe(403);
    const streetLeader = await make('leader', centre.street);
    const visible = (await streetLeader.get('/api/alerts')).body as AlertList;
    expect(visible.alerts.map((a) => a.id)).toContain(id);
    expect(visible.counts.open).toBe(visible.alerts.filter((a) => a.state === 'open').length);
    expect((await admin.get('/api/alerts?state=all&limit=1000')).body.alerts.find((a: Alert) => a.id === id)).toMatchObject({ state: 'open', version: 1 });
  });

  it('resolves an alert by the system when its condition clears: the centre reopens, the dispute is resolved, the grid progresses', async () => {
    // The centre reopens.
    const [, second] = await alertsOf(`service-centres/${centre.id}`);
    await patchPoint('service-centres', centre.id, 'open');
    const reopened = await feed.next((m) => m.id === second.id && m.after?.state === 'resolved');
    expect(reopened).toMatchObject({ actor: 'system', after: { resolvedBy: 'system', resolution: 'condition cleared' } });

    // An overdue dispute that can be resolved in one step, resolved.
    const [dispute] = await sql<{ id: string; alert: string }>(
      `SELECT d.id, a.id AS alert FROM alerts AS a JOIN disputes AS d ON a.subject = 'disputes/' || d.id
        WHERE a.rule = 'dispute_overdue' AND a.resolved_at IS NULL AND d.status IN ('mediating', 'escalated') ORDER BY d.id LIMIT 1`,
    );
    await patchPoint('disputes', dispute.id, 'resolved');
    expect((await feed.next((m) => m.id === dispute.alert && m.after?.state === 'resolved')).actor).toBe('system');

    // A quiet grid of the campaign: one of its targets moves.
    const [stalled] = await sql<{ id: string; grid: string }>(
      `SELECT id, details->>'gridCode' AS grid FROM alerts WHERE rule = 'campaign_stalled' AND resolved_at IS NULL ORDER BY subject LIMIT 1`,
    );
    const [target] = await sql<{ id: string }>(
      `SELECT t.id FROM campaign_targets AS ct JOIN compounds AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = 'unmanaged-compounds' AND t.region_code LIKE $1 || '%' AND t.status IN ('normal', 'pending') ORDER BY t.id LIMIT 1`,
      [stalled.grid],
    );
    const { properties } = (await admin.get(`/api/layers/compounds/${target.id}`)).body;
    await patchPoint('compounds', target.id, properties.nextStatuses[0]);
    expect((await feed.next((m) => m.id === stalled.id && m.after?.state === 'resolved')).actor).toBe('system');
  });

  it('raises a dispute past its mediation level’s limit and a grid without progress for ALERT_STALL_DAYS, once each', async () => {
    // Fixtures: a fresh open community case reported 16 days ago (limit 15), and a campaign grid untouched for 4 days (limit 3).
    const [dispute] = await sql<{ id: string }>(
      `SELECT id FROM disputes WHERE status = 'accepted' AND mediation_level = 'community' AND id NOT IN
         (SELECT substr(subject, 10) FROM alerts WHERE rule = 'dispute_overdue') ORDER BY id LIMIT 1`,
    );
    await sql(`UPDATE disputes SET reported_at = now() - interval '16 days' WHERE id = $1`, [dispute.id]);
    const [{ grid }] = await sql<{ grid: string }>(
      `SELECT left(t.region_code, 14) AS grid FROM campaign_targets AS ct JOIN compounds AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = 'unmanaged-compounds' AND length(t.region_code) >= 14 AND t.status NOT IN ('done', 'verified')
          AND left(t.region_code, 14) NOT IN (SELECT details->>'gridCode' FROM alerts WHERE rule = 'campaign_stalled')
        GROUP BY 1 ORDER BY 1 LIMIT 1`,
    );
    await sql(
      `UPDATE compounds SET updated_at = now() - interval '4 days'
        WHERE id IN (SELECT feature_id FROM campaign_targets WHERE campaign_id = 'unmanaged-compounds') AND region_code LIKE $1 || '%'`,
      [grid],
    );
    const runs = await Promise.all([server.alerts.evaluate(), server.alerts.evaluate(), peer?.alerts.evaluate(), server.alerts.evaluate()]);
    const raised = runs.flatMap((r) => r?.raised ?? []);
    expect(raised.map((a) => a.subject).sort()).toEqual([`campaigns/unmanaged-compounds/${grid}`, `disputes/${dispute.id}`].sort());
    const overdue = raised.find((a) => a.rule === 'dispute_overdue')!;
    expect(overdue.details).toMatchObject({ mediationLevel: 'community', featureId: dispute.id });
    expect(Date.parse(overdue.details.dueAt!)).toBeLessThan(Date.now());
    expect(Date.parse(overdue.details.dueAt!)).toBeGreaterThan(Date.now() - 2 * 86_400_000);
    const stalled = raised.find((a) => a.rule === 'campaign_stalled')!;
    expect(stalled).toMatchObject({ regionCode: grid, details: { campaignId: 'unmanaged-compounds', gridCode: grid } });
    for (const a of raised) {
      expect(await alertsOf(a.subject)).toHaveLength(1);
      expect(await eventCount(a.id, 'create')).toBe(1);
    }
  });
  it('after a change evaluates only what the change acts on: its own case and grid, not the others time has made due', async () => {
    // Fixtures the timer would raise: two fresh community cases reported 16 days ago, and a quiet campaign grid.
    const disputes = await sql<{ id: string; grid: string }>(
      `SELECT id, left(region_code, 14) AS grid FROM disputes WHERE status = 'accepted' AND mediation_level = 'community' AND id NOT IN
         (SELECT substr(subject, 10) FROM alerts WHERE rule = 'dispute_overdue') ORDER BY id LIMIT 2`,
    );
    expect(disputes).toHaveLength(2);
    const [moved, untouched] = disputes;
    await sql(`UPDATE disputes SET reported_at = now() - interval '16 days' WHERE id = ANY ($1)`, [disputes.map((d) => d.id)]);
    const [{ grid }] = await sql<{ grid: string }>(
      `SELECT left(t.region_code, 14) AS grid FROM campaign_targets AS ct JOIN compounds AS t ON t.id = ct.feature_id
        WHERE ct.campaign_id = 'unmanaged-compounds' AND length(t.region_code) >= 14 AND t.status NOT IN ('done', 'verified')
          AND left(t.region_code, 14) NOT IN (SELECT details->>'gridCode' FROM alerts WHERE rule = 'campaign_stalled')
          AND left(t.region_code, 14) <> $1
        GROUP BY 1 ORDER BY 1 LIMIT 1`,
      [moved.grid],
    );
    await sql(
      `UPDATE compounds SET updated_at = now() - interval '4 days'
        WHERE id IN (SELECT feature_id FROM campaign_targets WHERE campaign_id = 'unmanaged-compounds') AND region_code LIKE $1 || '%'`,
      [grid],
    );

    // One case moves on (accepted → mediating: still open, same level, so still overdue): its alert is raised.
    await patchPoint('disputes', moved.id, 'mediating');
    const raised = await feed.next((m) => m.op === 'create' && m.after?.subject === `disputes/${moved.id}`);
    expect(raised.actor).toBe('system');
    await server.alerts.evaluate([]); // queued behind the change's evaluation
    expect(await alertsOf(`disputes/${untouched.id}`)).toEqual([]);
    expect(await alertsOf(`campaigns/unmanaged-compounds/${grid}`)).toEqual([]);

    // What time alone made due is the timer's: a full evaluation raises exactly those two.
    const full = await server.alerts.evaluate();
    expect(full.raised.map((a) => a.subject).sort()).toEqual([`campaigns/unmanaged-compounds/${grid}`, `disputes/${untouched.id}`].sort());
  });
});
