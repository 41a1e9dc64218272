// The authorisation matrix (issue 10, part 2): every route the running server registers and every socket message,
// for every role, on a target inside and outside the user's region, with the status each cell must answer. The
// routes are collected as Fastify registers them, so a new route without a row here fails the suite. Real server
// on real PostGIS (both backends, one server each for all cells), real socket.io-client; nothing mocked.
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { createSigner } from 'fast-jwt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { createPng } from '../helpers/photos.js';
import { CLIENT_DIST } from '../e2e/browser.js';

const PASSWORD = 'matrix-password-1';
const PRINCIPALS = ['anonymous', 'admin', 'leader', 'display', 'coordinator'] as const;
type Principal = (typeof PRINCIPALS)[number];
type Scope = 'inside' | 'outside';
/** Expected statuses in PRINCIPALS order. */
type Row5 = [number, number, number, number, number];

/** What the fixtures give a cell to build its request from (inside = the coordinator's grid, outside = another street). */
interface Target {
  region: string;
  point: { id: string; lon: number; lat: number; version: number };
  photo: string;
  campaignActive: string;
  campaignClosed: string;
  campaignDraft: string;
  user: string;
  /** A ledger record and a three-list entry of the target's community (or street). */
  ledgerRecord: { id: string; version: number };
  ledgerEntry: { id: string; version: number };
  /** A resolved alert in the region (alerts rows). */
  alertResolved: string;
  /** A building group of the region (meetings, ratings), a location inside it and an open micro-wish. */
  buildingGroup: string;
  inner: { lon: number; lat: number };
  wish: string;
}
interface Request {
  method: string;
  path: string;
  json?: unknown;
  raw?: { type: string; body: Buffer | string };
}
interface Cell {
  route: string;
  what: string;
  request: (t: Target, principal: Principal) => Request;
  inside: Row5;
  /** Defaults to `inside` (no region in the request). */
  outside?: Row5;
}

const all = (n: number): Row5 => [401, n, n, n, n];
const adminOnly = (ok: number): Row5 => [401, ok, 403, 403, 403];
const GOVERNED = /^\/(api|tiles|ogc)(\/|$)/;

function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

let serial = 0;
const campaignBody = (region: string) => ({
  name: `矩阵 ${++serial}`,
  layer: 'compounds',
  startsAt: '2026-12-01T00:00:00Z',
  endsAt: '2027-03-01T00:00:00Z',
  doneStatuses: ['done'],
  targets: { region },
});

/** The table: one or more cells per route (method and path as Fastify registers them). */
const CELLS: Cell[] = [
  { route: 'GET /api/health', what: 'liveness is public', request: () => ({ method: 'GET', path: '/api/health' }), inside: [200, 200, 200, 200, 200] },
  {
    route: 'POST /api/auth/login',
    what: 'login needs no token',
    request: (t) => ({ method: 'POST', path: '/api/auth/login', json: { username: t.user, password: PASSWORD } }),
    inside: [200, 200, 200, 200, 200],
  },
  { route: 'GET /api/config', what: 'client settings', request: () => ({ method: 'GET', path: '/api/config' }), inside: all(200) },
  { route: 'GET /api/stats', what: 'counts of a region', request: (t) => ({ method: 'GET', path: `/api/stats?region=${t.region}` }), inside: all(200), outside: all(403) },
  { route: 'GET /api/regions/:code', what: 'a region', request: (t) => ({ method: 'GET', path: `/api/regions/${t.region}` }), inside: all(200), outside: all(403) },
  {
    route: 'GET /api/regions/:code/children.geojson',
    what: 'child regions',
    request: (t) => ({ method: 'GET', path: `/api/regions/${t.region}/children.geojson` }),
    inside: all(200),
    outside: all(403),
  },
  {
    route: 'GET /api/coverage',
    what: 'service-centre coverage of a region',
    request: (t) => ({ method: 'GET', path: `/api/coverage?region=${t.region}&distance=800` }),
    inside: all(200),
    outside: all(403),
  },
  {
    route: 'GET /api/coverage/uncovered.geojson',
    what: 'uncovered compounds of a region',
    request: (t) => ({ method: 'GET', path: `/api/coverage/uncovered.geojson?region=${t.region}` }),
    inside: all(200),
    outside: all(403),
  },
  {
    // Printed in the real Chromium for every allowed cell.
    route: 'GET /api/regions/:code/briefing.pdf',
    what: "a region's printed briefing",
    request: (t) => ({ method: 'GET', path: `/api/regions/${t.region}/briefing.pdf` }),
    inside: all(200),
    outside: all(403),
  },
  {
    route: 'GET /api/layers/:layer',
    what: 'a layer in a region',
    request: (t) => ({ method: 'GET', path: `/api/layers/compounds?region=${t.region}` }),
    inside: all(200),
    outside: all(403),
  },
  {
    route: 'GET /api/layers/:layer/:id',
    what: 'one point (outside = 404, as unknown)',
    request: (t) => ({ method: 'GET', path: `/api/layers/compounds/${t.point.id}` }),
    inside: all(200),
    outside: all(404),
  },
  {
    route: 'GET /api/layers/:layer/:id/history',
    what: "a point's history",
    request: (t) => ({ method: 'GET', path: `/api/layers/compounds/${t.point.id}/history` }),
    inside: all(200),
    outside: all(404),
  },
  {
    // A stale version: a user allowed to write gets as far as the 409, so nothing is ever written.
    route: 'PATCH /api/layers/:layer/:id',
    what: 'a status change (stale version)',
    request: (t) => ({ method: 'PATCH', path: `/api/layers/compounds/${t.point.id}`, json: { status: 'pending', version: t.point.version + 1000 } }),
    inside: [401, 409, 409, 403, 409],
    outside: all(404),
  },
  {
    // A display may not write; anyone else may create inside their area (a coordinator in their grid).
    route: 'POST /api/layers/:layer',
    what: 'a new micro-wish',
    request: (t) => ({ method: 'POST', path: '/api/layers/micro-wishes', json: { name: `矩阵心愿 ${++serial}`, requester: '1号楼', category: 'other', ...t.inner } }),
    inside: [401, 201, 201, 403, 201],
    outside: [401, 403, 403, 403, 403],
  },
  {
    route: 'GET /api/layers/:layer/:id/claimants',
    what: "a wish's possible claimants (outside = 404, as unknown)",
    request: (t) => ({ method: 'GET', path: `/api/layers/micro-wishes/${t.wish}/claimants` }),
    inside: all(200),
    outside: all(404),
  },
  {
    route: 'GET /api/regions/:code/meetings',
    what: "a region's 三会 meetings",
    request: (t) => ({ method: 'GET', path: `/api/regions/${t.buildingGroup}/meetings` }),
    inside: all(200),
    outside: all(403),
  },
  {
    // Administrators and the grid's coordinator; leaders and displays read only.
    route: 'POST /api/regions/:code/meetings',
    what: 'record a meeting',
    request: (t) => ({ method: 'POST', path: `/api/regions/${t.buildingGroup}/meetings`, json: { kind: 'review', heldOn: '2026-01-05', topic: '矩阵', attendees: 5 } }),
    inside: [401, 201, 403, 403, 201],
    outside: [401, 403, 403, 403, 403],
  },
  {
    route: 'GET /api/regions/:code/ratings',
    what: "a building group's star ratings",
    request: (t) => ({ method: 'GET', path: `/api/regions/${t.buildingGroup}/ratings` }),
    inside: all(200),
    outside: all(403),
  },
  {
    route: 'POST /api/regions/:code/ratings',
    what: 'rate a building group (backdated: the current rating stays)',
    request: (t) => ({ method: 'POST', path: `/api/regions/${t.buildingGroup}/ratings`, json: { stars: 2, ratedOn: '2001-01-01', reason: '矩阵' } }),
    inside: [401, 201, 403, 403, 201],
    outside: [401, 403, 403, 403, 403],
  },
  {
    route: 'POST /api/layers/:layer/:id/photos',
    what: 'a photo upload',
    request: (t) => ({ method: 'POST', path: `/api/layers/compounds/${t.point.id}/photos`, raw: { type: 'image/png', body: createPng(1000 + ++serial) } }),
    inside: [401, 201, 201, 403, 201],
    outside: all(404),
  },
  {
    route: 'GET /api/layers/:layer/:id/photos',
    what: "a point's photos",
    request: (t) => ({ method: 'GET', path: `/api/layers/compounds/${t.point.id}/photos` }),
    inside: all(200),
    outside: all(404),
  },
  { route: 'GET /api/photos/:id', what: 'photo bytes', request: (t) => ({ method: 'GET', path: `/api/photos/${t.photo}` }), inside: all(200), outside: all(404) },
  { route: 'GET /api/events', what: 'the event log of a region', request: (t) => ({ method: 'GET', path: `/api/events?region=${t.region}` }), inside: all(200), outside: all(403) },
  { route: 'GET /api/campaigns', what: 'campaigns', request: () => ({ method: 'GET', path: '/api/campaigns' }), inside: all(200) },
  {
    route: 'POST /api/campaigns',
    what: 'a draft campaign',
    request: (t) => ({ method: 'POST', path: '/api/campaigns', json: campaignBody(t.region) }),
    inside: adminOnly(201),
    outside: adminOnly(403),
  },
  {
    route: 'POST /api/campaigns/preview',
    what: 'a campaign preview',
    request: (t) => ({ method: 'POST', path: '/api/campaigns/preview', json: campaignBody(t.region) }),
    inside: adminOnly(200),
    outside: adminOnly(403),
  },
  {
    // An active campaign: an admin allowed to move it gets as far as the 409 (already open).
    route: 'POST /api/campaigns/:id/open',
    what: 'open (already active)',
    request: (t) => ({ method: 'POST', path: `/api/campaigns/${t.campaignActive}/open` }),
    inside: adminOnly(409),
    outside: adminOnly(403),
  },
  {
    route: 'POST /api/campaigns/:id/close',
    what: 'close (already closed)',
    request: (t) => ({ method: 'POST', path: `/api/campaigns/${t.campaignClosed}/close` }),
    inside: adminOnly(409),
    outside: adminOnly(403),
  },
  {
    route: 'GET /api/campaigns/:id/progress',
    what: 'campaign progress in a region',
    request: (t) => ({ method: 'GET', path: `/api/campaigns/${t.campaignActive}/progress?region=${t.region}` }),
    inside: all(200),
    outside: all(403),
  },
  {
    route: 'GET /api/campaigns/:id/progress',
    what: "a draft's progress (drafts are for admins)",
    request: (t) => ({ method: 'GET', path: `/api/campaigns/${t.campaignDraft}/progress?region=${t.region}` }),
    inside: [401, 200, 404, 404, 404],
    outside: all(403),
  },
  {
    route: 'GET /api/campaigns/:id/targets',
    what: 'campaign target ids in a region',
    request: (t) => ({ method: 'GET', path: `/api/campaigns/${t.campaignActive}/targets?region=${t.region}` }),
    inside: all(200),
    outside: all(403),
  },
  { route: 'GET /api/alerts', what: 'alerts of a region', request: (t) => ({ method: 'GET', path: `/api/alerts?region=${t.region}` }), inside: all(200), outside: all(403) },
  {
    // A resolved alert: a user allowed to act on it gets as far as the 409 (wrong state), so nothing changes.
    route: 'POST /api/alerts/:id/ack',
    what: 'acknowledge (already resolved)',
    request: (t) => ({ method: 'POST', path: `/api/alerts/${t.alertResolved}/ack`, json: {} }),
    inside: [401, 409, 409, 403, 409],
    outside: all(404),
  },
  {
    route: 'POST /api/alerts/:id/resolve',
    what: 'resolve (already resolved)',
    request: (t) => ({ method: 'POST', path: `/api/alerts/${t.alertResolved}/resolve`, json: { resolution: '矩阵' } }),
    inside: [401, 409, 409, 403, 409],
    outside: all(404),
  },
  { route: 'GET /api/admin/users', what: 'users of the admin area', request: () => ({ method: 'GET', path: '/api/admin/users' }), inside: adminOnly(200) },
  {
    route: 'POST /api/admin/users',
    what: 'create a coordinator',
    request: (t) => ({
      method: 'POST',
      path: '/api/admin/users',
      json: { username: `m-${process.pid}-${++serial}`, password: PASSWORD, role: 'leader', regionCodes: [t.region] },
    }),
    inside: adminOnly(201),
    outside: adminOnly(403),
  },
  {
    route: 'PATCH /api/admin/users/:username',
    what: 'enable a user (no change)',
    request: (t) => ({ method: 'PATCH', path: `/api/admin/users/${t.user}`, json: { disabled: false } }),
    inside: adminOnly(200),
    outside: adminOnly(403),
  },
  { route: 'GET /api/search', what: 'search (bounded to the area)', request: (t) => ({ method: 'GET', path: `/api/search?q=${t.point.id}` }), inside: all(200) },
  {
    route: 'GET /api/export/:layer',
    what: 'CSV export of a region',
    request: (t) => ({ method: 'GET', path: `/api/export/compounds?format=csv&region=${t.region}` }),
    inside: all(200),
    outside: all(403),
  },
  {
    // Imports change the whole district: only an administrator of the district (a street admin is 403).
    route: 'POST /api/imports',
    what: 'an import',
    request: () => ({
      method: 'POST',
      path: '/api/imports?layer=compounds&filename=a.geojson',
      raw: { type: 'application/geo+json', body: JSON.stringify({ type: 'FeatureCollection', features: [] }) },
    }),
    inside: adminOnly(403),
  },
  {
    route: 'GET /tiles/:layer/:z/:x/:y.mvt',
    what: 'a vector tile of a region',
    request: (t) => {
      const [x, y] = tileOf(t.point.lon, t.point.lat, 16);
      return { method: 'GET', path: `/tiles/compounds/16/${x}/${y}.mvt?region=${t.region}` };
    },
    inside: all(200),
    outside: all(403),
  },
  { route: 'GET /tiles/:layer.json', what: 'TileJSON of a region', request: (t) => ({ method: 'GET', path: `/tiles/compounds.json?region=${t.region}` }), inside: all(200), outside: all(403) },
  { route: 'GET /ogc', what: 'OGC landing', request: () => ({ method: 'GET', path: '/ogc' }), inside: all(200) },
  { route: 'GET /ogc/conformance', what: 'OGC conformance', request: () => ({ method: 'GET', path: '/ogc/conformance' }), inside: all(200) },
  { route: 'GET /ogc/collections', what: 'OGC collections', request: () => ({ method: 'GET', path: '/ogc/collections' }), inside: all(200) },
  { route: 'GET /ogc/collections/:collectionId', what: 'OGC collection', request: () => ({ method: 'GET', path: '/ogc/collections/compounds' }), inside: all(200) },
  {
    route: 'GET /ogc/collections/:collectionId/items',
    what: 'OGC items (bounded to the area)',
    request: () => ({ method: 'GET', path: '/ogc/collections/compounds/items?limit=5' }),
    inside: all(200),
  },
  {
    route: 'GET /ogc/collections/:collectionId/items/:featureId',
    what: 'one OGC feature (outside = 404)',
    request: (t) => ({ method: 'GET', path: `/ogc/collections/compounds/items/${t.point.id}` }),
    inside: all(200),
    outside: all(404),
  },
  // The regional Party-building ledger (issue 11): reads in the subtree (a coordinator also reads the community of
  // their grid); records and list entries written by admins, and by a coordinator for their grid's community only.
  ...['', '/records', '/lists', '/service-items', '/funds'].map(
    (suffix): Cell => ({
      route: `GET /api/ledger/:region${suffix}`,
      what: `ledger ${suffix || 'summary'} of a region`,
      request: (t) => ({ method: 'GET', path: `/api/ledger/${t.region}${suffix}` }),
      inside: all(200),
      outside: all(403),
    }),
  ),
  {
    route: 'POST /api/ledger/records',
    what: "a ledger record of the target's community",
    request: (t) => ({ method: 'POST', path: '/api/ledger/records', json: { kind: 'joint_meeting', regionCode: t.region.slice(0, 12), title: `矩阵 ${++serial}`, occurredOn: '2026-01-05' } }),
    inside: [401, 201, 403, 403, 201],
    outside: [401, 403, 403, 403, 403],
  },
  {
    // A stale version: a user allowed to write gets as far as the 409; outside the area a record is unknown.
    route: 'PATCH /api/ledger/records/:id',
    what: 'a ledger record change (stale version)',
    request: (t) => ({ method: 'PATCH', path: `/api/ledger/records/${t.ledgerRecord.id}`, json: { version: t.ledgerRecord.version + 1000, notes: 'x' } }),
    inside: [401, 409, 403, 403, 409],
    outside: all(404),
  },
  {
    route: 'POST /api/ledger/lists',
    what: "a three-list entry of the target's community",
    request: (t) => ({ method: 'POST', path: '/api/ledger/lists', json: { list: 'need', regionCode: t.region.slice(0, 12), title: `矩阵 ${++serial}` } }),
    inside: [401, 201, 403, 403, 201],
    outside: [401, 403, 403, 403, 403],
  },
  {
    route: 'PATCH /api/ledger/lists/:id',
    what: 'a three-list entry change (stale version)',
    request: (t) => ({ method: 'PATCH', path: `/api/ledger/lists/${t.ledgerEntry.id}`, json: { version: t.ledgerEntry.version + 1000, status: 'done' } }),
    inside: [401, 409, 403, 403, 409],
    outside: all(404),
  },
  {
    route: 'POST /api/ledger/funds',
    what: "a year's work funds of the target's community (admins only)",
    request: (t) => ({ method: 'POST', path: '/api/ledger/funds', json: { kind: 'work', regionCode: t.region.slice(0, 12), year: 2099, amountWan: 5 } }),
    inside: adminOnly(201),
    outside: adminOnly(403),
  },
];

function connect(url: string, token?: string): Promise<Socket> {
  const socket = io(url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.on('connect', () => resolve(socket));
    socket.on('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}
const refusal = (p: Promise<Socket>) =>
  p.then(
    (s) => {
      s.close();
      return 'connected';
    },
    (e: Error & { data?: { error: string } }) => `${e.message}${e.data ? `:${e.data.error}` : ''}`,
  );
const emit = (socket: Socket, event: string, payload: unknown) =>
  socket.timeout(5000).emitWithAck(event, payload) as Promise<{ ok: boolean; error?: string }>;
const disconnected = (socket: Socket) =>
  new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket was not disconnected')), 10_000);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });

describe.each(BACKENDS)('authorisation matrix on %s', (backend) => {
  let server: TestServer;
  const registered: string[] = [];
  const tokens = {} as Record<Principal, string | undefined>;
  const targets = {} as Record<Scope, Target>;
  let districtAdmin: ReturnType<typeof client>;
  let grid: string;

  const send = async (principal: Principal, r: Request) => {
    const token = tokens[principal];
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    let body: Buffer | string | undefined;
    if (r.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(r.json)];
    if (r.raw) [headers['content-type'], body] = [r.raw.type, r.raw.body];
    const res = await fetch(server.url + r.path, { method: r.method, headers, body: typeof body === 'string' || !body ? body : new Uint8Array(body) });
    const text = Buffer.from(await res.arrayBuffer());
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  };

  beforeAll(async () => {
    const collect = (message: unknown) => {
      (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route: RouteOptions) => {
        for (const method of [route.method].flat()) if (method !== 'HEAD') registered.push(`${method} ${route.url}`);
      });
    };
    diagnostics.subscribe('fastify.initialization', collect);
    try {
      server = await startTestServer({ backend });
    } finally {
      diagnostics.unsubscribe('fastify.initialization', collect);
    }
    const adminToken = await login(server.url, 'admin');
    districtAdmin = client(server.url, adminToken);
    // A grid with compounds in one street (inside) and a point of another street (outside).
    const point = async (like: string, notLike = '-') =>
      (
        await server.db.query<{ id: string; region: string; version: number; lon: number; lat: number }>(
          `SELECT id, region_code AS region, version, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM compounds
            WHERE region_code LIKE $1 AND region_code NOT LIKE $2 ORDER BY id LIMIT 1`,
          [like, notLike],
        )
      )[0];
    const inside = await point('4101050%');
    grid = inside.region.slice(0, 14);
    const street = grid.slice(0, 9);
    const outside = await point('410105%', `${street}%`);
    const otherStreet = outside.region.slice(0, 9);
    const [{ code: neighbourGrid }] = await server.db.query<{ code: string }>(
      `SELECT code FROM regions WHERE level = 'grid' AND code LIKE $1 || '%' AND code <> $2 ORDER BY code LIMIT 1`,
      [street, grid],
    );
    const [{ code: farGrid }] = await server.db.query<{ code: string }>(`SELECT code FROM regions WHERE level = 'grid' AND code LIKE $1 || '%' ORDER BY code LIMIT 1`, [
      otherStreet,
    ]);

    // Street-level admin, leader and display (so that "outside" exists for them) and the grid's coordinator.
    for (const role of ['admin', 'leader', 'display'] as const) {
      const username = `matrix-${role}-${process.pid}`;
      const res = await districtAdmin.post('/api/admin/users', { username, password: PASSWORD, role, regionCodes: [street] });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      tokens[role] = await login(server.url, username, PASSWORD);
    }
    tokens.coordinator = await login(server.url, `grid-${grid}`);
    tokens.anonymous = undefined;

    const make = async (region: string, p: typeof inside, userGrid: string): Promise<Target> => {
      const photo = await fetch(`${server.url}/api/layers/compounds/${p.id}/photos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'image/png' },
        body: new Uint8Array(createPng(region.length * 7 + Number(region.slice(-3)))),
      });
      expect(photo.status).toBe(201);
      const campaign = async (moves: string[]) => {
        const created = await districtAdmin.post('/api/campaigns', campaignBody(region));
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        for (const move of moves) expect((await districtAdmin.post(`/api/campaigns/${created.body.id}/${move}`, undefined)).status).toBe(200);
        return created.body.id as string;
      };
      const ledgerRegion = region.slice(0, 12);
      const record = await districtAdmin.post('/api/ledger/records', { kind: 'problem', regionCode: ledgerRegion, title: '矩阵问题', occurredOn: '2026-01-05' });
      expect(record.status, JSON.stringify(record.body)).toBe(201);
      const entry = await districtAdmin.post('/api/ledger/lists', { list: 'resource', regionCode: ledgerRegion, title: '矩阵资源' });
      expect(entry.status, JSON.stringify(entry.body)).toBe(201);
      const [{ id: alertResolved }] = await server.db.query<{ id: string }>(
        `INSERT INTO alerts (rule, subject, episode, region_code, severity, resolved_by, resolved_at, resolution)
         VALUES ('centre_closed', $1, '1', $2, 'medium', 'matrix', now(), 'matrix fixture') RETURNING id`,
        [`service-centres/matrix-${region}`, region],
      );
      const user = `matrix-user-${region}-${process.pid}`;
      expect((await districtAdmin.post('/api/admin/users', { username: user, password: PASSWORD, role: 'coordinator', regionCodes: [userGrid] })).status).toBe(201);
      const [group] = await server.db.query<{ code: string; lon: number; lat: number }>(
        `SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat FROM regions
          WHERE level = 'building_group' AND code LIKE $1 || '%' ORDER BY code LIMIT 1`,
        [region],
      );
      const wish = await districtAdmin.post('/api/layers/micro-wishes', { name: '矩阵心愿', requester: '1号楼', category: 'other', lon: group.lon, lat: group.lat });
      expect(wish.status, JSON.stringify(wish.body)).toBe(201);
      return {
        buildingGroup: group.code,
        inner: { lon: group.lon, lat: group.lat },
        wish: wish.body.feature.id,
        region,
        point: { id: p.id, lon: p.lon, lat: p.lat, version: p.version },
        photo: ((await photo.json()) as { id: string }).id,
        campaignActive: await campaign(['open']),
        campaignClosed: await campaign(['open', 'close']),
        campaignDraft: await campaign([]),
        user,
        ledgerRecord: { id: record.body.record.id, version: record.body.record.version },
        ledgerEntry: { id: entry.body.entry.id, version: entry.body.entry.version },
        alertResolved,
      };
    };
    targets.inside = await make(grid, inside, neighbourGrid);
    targets.outside = await make(otherStreet, outside, farGrid);
  });
  afterAll(() => server?.close());

  it('has a row for every route the server registers (a new route must be added to the table)', () => {
    const governed = registered.filter((r) => GOVERNED.test(r.split(' ')[1]));
    const covered = new Set(CELLS.map((c) => c.route));
    expect(governed.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !governed.includes(r))).toEqual([]);
    // Every other route is public by design: the API document and the built client's files.
    const isClientFile = (url: string) => url === '/' || fs.existsSync(path.join(CLIENT_DIST, url));
    const other = registered.filter((r) => !GOVERNED.test(r.split(' ')[1]));
    expect(other.filter((r) => !(r.startsWith('GET /docs') || (r.startsWith('GET ') && isClientFile(r.slice(4)))))).toEqual([]);
  });

  it('answers every route × role × inside/outside with the status of the table, errors in the error shape', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const cell of CELLS) {
      for (const scope of ['inside', 'outside'] as Scope[]) {
        if (scope === 'outside' && !cell.outside) continue;
        const expected = (scope === 'inside' ? cell.inside : cell.outside)!;
        for (const [i, principal] of PRINCIPALS.entries()) {
          const res = await send(principal, cell.request(targets[scope], principal));
          checked++;
          const label = `${cell.route} (${cell.what}) ${scope} as ${principal}`;
          if (res.status !== expected[i]) failures.push(`${label}: ${res.status}, expected ${expected[i]}: ${res.text.toString().slice(0, 160)}`);
          if (res.status >= 400) {
            const body = res.type.includes('json') ? JSON.parse(res.text.toString()) : undefined;
            if (typeof body?.error !== 'string' || typeof body?.message !== 'string') failures.push(`${label}: not the error shape: ${res.text.toString().slice(0, 160)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(250);
    // Every allowed briefing cell prints a real PDF in Chromium (seconds each on a busy machine).
  }, 300_000);

  it('refuses a socket without a valid token and subscribes each role only inside its area', async () => {
    const table: [Principal, string, string, string][] = [];
    for (const principal of PRINCIPALS) {
      const token = tokens[principal];
      if (!token) {
        table.push([principal, await refusal(connect(server.url)), '-', '-']);
        continue;
      }
      const socket = await connect(server.url, token);
      const results: string[] = [];
      for (const scope of ['inside', 'outside'] as Scope[]) {
        const sub = await emit(socket, 'subscribe', { region: targets[scope].region });
        const unsub = await emit(socket, 'unsubscribe', { region: targets[scope].region });
        results.push(`${sub.ok ? 'ok' : sub.error}/${unsub.ok ? 'ok' : unsub.error}`);
      }
      table.push([principal, 'connected', ...results] as [Principal, string, string, string]);
      socket.close();
    }
    // Leaving a room one is not in is harmless, so unsubscribe is ok everywhere.
    expect(table).toEqual([
      ['anonymous', 'unauthorized:unauthorized', '-', '-'],
      ['admin', 'connected', 'ok/ok', 'forbidden_region/ok'],
      ['leader', 'connected', 'ok/ok', 'forbidden_region/ok'],
      ['display', 'connected', 'ok/ok', 'forbidden_region/ok'],
      ['coordinator', 'connected', 'ok/ok', 'forbidden_region/ok'],
    ]);
  });

  it('refuses expired, forged and unsigned tokens on /api, /tiles, /ogc and the socket; issues tokens that expire', async () => {
    const key = fs.readFileSync(path.join(server.dataDir, 'jwt-secret'), 'utf8').trim();
    const now = Math.floor(Date.now() / 1000);
    const payload = { username: 'leader', role: 'leader', regionCode: '410105', regionCodes: ['410105'], issuedAtMs: Date.now() };
    const sign = createSigner({ key });
    const valid = sign({ ...payload, iat: now, exp: now + 60 });
    const expired = sign({ ...payload, iat: now - 7200, exp: now - 60 });
    const forged = createSigner({ key: 'not-the-secret' })({ ...payload, iat: now, exp: now + 60 });
    const unsigned = createSigner({ algorithm: 'none' })({ ...payload, iat: now, exp: now + 60 });
    const probe = async (token: string) => [
      (await fetch(`${server.url}/api/stats`, { headers: { authorization: `Bearer ${token}` } })).status,
      (await fetch(`${server.url}/tiles/compounds.json`, { headers: { authorization: `Bearer ${token}` } })).status,
      (await fetch(`${server.url}/tiles/compounds.json?token=${token}`)).status,
      (await fetch(`${server.url}/ogc/collections?token=${token}`)).status,
      await refusal(connect(server.url, token)),
    ];
    expect(await probe(valid)).toEqual([200, 200, 200, 200, 'connected']);
    for (const token of [expired, forged, unsigned]) expect(await probe(token)).toEqual([401, 401, 401, 401, 'unauthorized:unauthorized']);

    // Tokens from login carry their expiry: 12 h, a year for an unattended display.
    const claims = (t: string) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()) as { iat: number; exp: number };
    const { iat, exp } = claims(tokens.leader!);
    expect(exp - iat).toBe(12 * 3600);
    const wall = claims(tokens.display!);
    expect(wall.exp - wall.iat).toBe(365 * 24 * 3600);
  });

  it('refuses a disabled user at once everywhere (bearer, token parameter, socket) and closes their sockets', async () => {
    const username = `matrix-off-${process.pid}`;
    expect((await districtAdmin.post('/api/admin/users', { username, password: PASSWORD, role: 'coordinator', regionCodes: [grid] })).status).toBe(201);
    const token = await login(server.url, username, PASSWORD);
    const sockets = [await connect(server.url, token), await connect(server.url, token)];
    expect((await emit(sockets[0], 'subscribe', { region: grid })).ok).toBe(true);
    const closed = sockets.map(disconnected);
    const probe = async () => [
      (await fetch(`${server.url}/api/layers/compounds`, { headers: { authorization: `Bearer ${token}` } })).status,
      (await fetch(`${server.url}/tiles/compounds.json?token=${token}`)).status,
      (await fetch(`${server.url}/ogc/collections/compounds/items?token=${token}`)).status,
    ];
    expect(await probe()).toEqual([200, 200, 200]);

    expect((await districtAdmin.patch(`/api/admin/users/${username}`, { disabled: true })).status).toBe(200);
    expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(await probe()).toEqual([401, 401, 401]);
    expect(await refusal(connect(server.url, token))).toBe('unauthorized:account_disabled');
  });

  describe('a coordinator learns nothing of points outside their grid', () => {
    let coordinator: ReturnType<typeof client>;
    beforeAll(() => {
      coordinator = client(server.url, tokens.coordinator);
    });

    it('answers an outside point exactly as an id that does not exist (status and body)', async () => {
      const out = targets.outside.point.id;
      const unknown = `${out.slice(0, -1)}${out.endsWith('x') ? 'y' : 'x'}`;
      const photo = createPng(77);
      const variants: [string, (id: string) => Promise<{ status: number; body: unknown }>][] = [
        ['GET feature', (id) => coordinator.get(`/api/layers/compounds/${id}`)],
        ['GET history', (id) => coordinator.get(`/api/layers/compounds/${id}/history`)],
        ['GET photos', (id) => coordinator.get(`/api/layers/compounds/${id}/photos`)],
        ['PATCH', (id) => coordinator.patch(`/api/layers/compounds/${id}`, { status: 'pending', version: 1 })],
        [
          'POST photo',
          async (id) => {
            const res = await fetch(`${server.url}/api/layers/compounds/${id}/photos`, {
              method: 'POST',
              headers: { authorization: `Bearer ${tokens.coordinator}`, 'content-type': 'image/png' },
              body: new Uint8Array(photo),
            });
            return { status: res.status, body: await res.json() };
          },
        ],
        ['OGC item', (id) => coordinator.get(`/ogc/collections/compounds/items/${id}`)],
      ];
      for (const [what, call] of variants) {
        const hidden = await call(out);
        const missing = await call(unknown);
        expect({ what, status: hidden.status }).toEqual({ what, status: 404 });
        // Identical but for the id the client itself sent.
        expect({ what, body: JSON.stringify(hidden.body).replaceAll(out, 'ID') }).toEqual({ what, body: JSON.stringify(missing.body).replaceAll(unknown, 'ID') });
      }
      const photoHidden = await coordinator.get(`/api/photos/${targets.outside.photo}`);
      const photoMissing = await coordinator.get(`/api/photos/${'0'.repeat(64)}`);
      expect(JSON.stringify(photoHidden.body).replaceAll(targets.outside.photo, 'ID')).toEqual(JSON.stringify(photoMissing.body).replaceAll('0'.repeat(64), 'ID'));
    });

    it('finds no outside point or region by search, not even by exact id or name', async () => {
      const [outside] = await server.db.query<{ name: string }>('SELECT name FROM compounds WHERE id = $1', [targets.outside.point.id]);
      const [region] = await server.db.query<{ name: string }>('SELECT name FROM regions WHERE code = $1', [targets.outside.region]);
      for (const q of [targets.outside.point.id, outside.name, region.name, targets.outside.region]) {
        const res = await coordinator.get(`/api/search?q=${encodeURIComponent(q)}`);
        expect(res.status).toBe(200);
        for (const f of res.body.features) expect(f.regionCode.startsWith(grid)).toBe(true);
        for (const r of res.body.regions) expect(r.code.startsWith(grid)).toBe(true);
      }
      const own = await coordinator.get(`/api/search?q=${targets.inside.point.id}`);
      expect(own.body.features.map((f: { id: string }) => f.id)).toContain(targets.inside.point.id);
    });

    it('sees no outside change in events, counts, campaign progress or on the socket', async () => {
      const socket = await connect(server.url, tokens.coordinator);
      expect((await emit(socket, 'subscribe', { region: grid })).ok).toBe(true);
      const seen: { id: string }[] = [];
      socket.on('change', (m) => seen.push(m));
      const { body: start } = await coordinator.get('/api/events?limit=1000');
      const statsBefore = (await coordinator.get('/api/stats')).body;
      const campaignsBefore = (await coordinator.get('/api/campaigns')).body;

      // An outside change by the district admin: a compound moved on, outside the grid.
      const [row] = await server.db.query<{ id: string; version: number }>(
        `SELECT id, version FROM compounds WHERE region_code NOT LIKE $1 || '%' AND status = 'normal' ORDER BY id DESC LIMIT 1`,
        [grid],
      );
      const res = await districtAdmin.patch(`/api/layers/compounds/${row.id}`, { status: 'pending', version: row.version });
      expect(res.status).toBe(200);

      const feed = await coordinator.get(`/api/events?since=${start.last}`);
      expect(feed.body.events).toEqual([]);
      const everything = (await coordinator.get('/api/events?since=0&limit=1000')).body.events as { regionCode: string | null }[];
      expect(everything.filter((e) => !e.regionCode?.startsWith(grid))).toEqual([]);
      expect((await coordinator.get('/api/stats')).body).toEqual(statsBefore);
      expect((await coordinator.get('/api/campaigns')).body).toEqual(campaignsBefore);
      // Counts are the grid's, computed from the database.
      const [{ n }] = await server.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM compounds WHERE region_code LIKE $1 || '%'`, [grid]);
      expect(statsBefore.compounds.total).toBe(n);
      await new Promise((r) => setTimeout(r, 300)); // a change would have been emitted before the PATCH answered
      expect(seen.map((m) => m.id)).not.toContain(row.id);
      socket.close();
    });
  });
});
