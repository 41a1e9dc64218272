// Hostile and malformed input (issue 10, part 3): a table-driven corpus across every endpoint and socket message,
// then property-based tests (fast-check) for GeoJSON imports and PATCH bodies. Each request gets a 4xx in the
// error shape (never a 5xx), the server stays up, and the database is unchanged: every table's row hash and the
// event count are compared before and after. Real server on real PostGIS (both backends), real socket.io-client.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/src/db/db.js';
import { loadConfig } from '../../server/src/config.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { login } from '../helpers/api.js';
import { createPng } from '../helpers/photos.js';
import { ROOT, TMP } from '../helpers/templates.js';

const FIXTURES = path.join(ROOT, 'tests/fixtures/imports');
/** A point inside the sample district (a sample compound), WGS84. */
const INSIDE: [number, number] = [113.711749, 34.828289];

interface Case {
  name: string;
  method: string;
  path: string;
  /** JSON value (serialised here), or raw text / bytes with its content type. */
  json?: unknown;
  raw?: string | Buffer;
  type?: string;
  headers?: Record<string, string>;
  /** Whose token (default the district admin); 'none' sends none. */
  as?: 'admin' | 'coordinator' | 'none';
  /** A 2xx is right for a few hostile but well-formed reads (e.g. an injection string as a search term). */
  ok?: true;
}

const RTL = 'abc\u202eexe.txt\u202d';
const SQL = "' OR '1'='1'; DROP TABLE users; --";
const SCRIPT = '<img src=x onerror=alert(1)><script>alert(1)</script>';
const LONG = 'x'.repeat(100_000);
const q = encodeURIComponent;

const feature = (properties: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties, geometry });
const collection = (features: unknown[]) => ({ type: 'FeatureCollection', features });
const compound = (name: string) => ({ name, kind: 'commercial', propertyService: 'red' });
const point = (coordinates: unknown) => ({ type: 'Point', coordinates });
/** A file that is all or nothing: one good row and one bad one, so a 422 writes nothing. */
const withBadRow = (good: unknown) => collection([good, feature(compound('坏行'), point([113.55, 34.72]))]);
const polygon = (ring: number[][]) => ({ type: 'Polygon', coordinates: [ring] });
const grid = (geometry: unknown, code = '41010500100101') => feature({ code, name: '网格', parentCode: code.slice(0, 12) }, geometry);
const [x0, y0] = [113.678, 34.782];
const BOWTIE = [[x0, y0], [x0 + 0.002, y0 + 0.002], [x0 + 0.002, y0], [x0, y0 + 0.002], [x0, y0]];
const UNCLOSED = [[x0, y0], [x0 + 0.002, y0], [x0 + 0.002, y0 + 0.002], [x0, y0 + 0.002]];

/** The corpus; `ID`, `VERSION`, `GRID` and `CAMPAIGN` are filled from the database in beforeAll. */
function corpus(f: { id: string; version: number; grid: string; campaign: string; xlsxBomb: Buffer }): Case[] {
  const patch = (json: unknown, extra: Partial<Case> = {}): Case => ({ name: '', method: 'PATCH', path: `/api/layers/compounds/${f.id}`, json, ...extra });
  const imp = (query: string, raw: string | Buffer, type = 'application/octet-stream'): Case => ({ name: '', method: 'POST', path: `/api/imports?${query}`, raw, type });
  const geojson = (value: unknown, query = 'layer=compounds&filename=a.geojson') => imp(query, typeof value === 'string' ? value : JSON.stringify(value));
  const campaign = (over: Record<string, unknown>) => ({
    name: 'c',
    layer: 'compounds',
    startsAt: '2026-12-01T00:00:00Z',
    endsAt: '2027-03-01T00:00:00Z',
    doneStatuses: ['done'],
    targets: { region: '410105001' },
    ...over,
  });
  const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name));
  const table: [string, Case][] = [
    // Login
    ['login: broken JSON', { name: '', method: 'POST', path: '/api/auth/login', raw: '{"username":', type: 'application/json', as: 'none' }],
    ['login: array body', { name: '', method: 'POST', path: '/api/auth/login', json: [], as: 'none' }],
    ['login: wrong types', { name: '', method: 'POST', path: '/api/auth/login', json: { username: { $ne: null }, password: ['x'] }, as: 'none' }],
    ['login: SQL injection username', { name: '', method: 'POST', path: '/api/auth/login', json: { username: SQL.slice(0, 60), password: 'x' }, as: 'none' }],
    ['login: NUL byte in username', { name: '', method: 'POST', path: '/api/auth/login', json: { username: 'ad\u0000min', password: 'x' }, as: 'none' }],
    ['login: lone surrogate', { name: '', method: 'POST', path: '/api/auth/login', json: { username: 'a\ud800b', password: '\udfff' }, as: 'none' }],
    ['login: oversize username', { name: '', method: 'POST', path: '/api/auth/login', json: { username: LONG, password: 'x' }, as: 'none' }],
    ['login: text/plain', { name: '', method: 'POST', path: '/api/auth/login', raw: 'username=admin', type: 'text/plain', as: 'none' }],
    ['login: prototype pollution', { name: '', method: 'POST', path: '/api/auth/login', raw: '{"username":"a","password":"b","__proto__":{"role":"admin"}}', type: 'application/json', as: 'none' }],
    ['login: 2 MB body', { name: '', method: 'POST', path: '/api/auth/login', json: { username: 'admin', password: 'p'.repeat(2_000_000) }, as: 'none' }],
    ['bearer: garbage token', { name: '', method: 'GET', path: '/api/stats', headers: { authorization: `Bearer ${SCRIPT}` }, as: 'none' }],
    ['bearer: alg none', { name: '', method: 'GET', path: '/api/stats', headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJ1c2VybmFtZSI6ImFkbWluIn0.' }, as: 'none' }],
    // PATCH a point
    ['patch: broken JSON', patch(undefined, { raw: '{"status":', type: 'application/json' })],
    ['patch: NaN version', patch(undefined, { raw: '{"status":"pending","version":NaN}', type: 'application/json' })],
    ['patch: Infinity version', patch(undefined, { raw: '{"status":"pending","version":Infinity}', type: 'application/json' })],
    ['patch: 1e400 version', patch(undefined, { raw: '{"status":"pending","version":1e400}', type: 'application/json' })],
    ['patch: version as object', patch({ status: 'pending', version: { $gt: 0 } })],
    ['patch: status as array', patch({ status: ['pending', 'done'], version: 1 })],
    ['patch: empty body', patch(undefined, { raw: '', type: 'application/json' })],
    ['patch: null body', patch(null)],
    ['patch: SQL injection status', patch({ status: SQL.slice(0, 40), version: f.version })],
    ['patch: script status', patch({ status: SCRIPT.slice(0, 40), version: f.version })],
    ['patch: NUL in note, stale version', patch({ status: 'pending', version: f.version + 99, note: 'a\u0000b' })],
    ['patch: oversize note', patch({ status: 'pending', version: f.version, note: 'n'.repeat(5000) })],
    ['patch: unknown field', patch({ status: 'pending', version: f.version, regionCode: '410105' })],
    ['patch: prototype pollution', patch(undefined, { raw: `{"status":"pending","version":${f.version},"__proto__":{"x":1}}`, type: 'application/json' })],
    ['patch: constructor.prototype', patch(undefined, { raw: `{"status":"pending","version":${f.version},"constructor":{"prototype":{"x":1}}}`, type: 'application/json' })],
    ['patch: deeply nested JSON', patch(undefined, { raw: '['.repeat(200_000) + ']'.repeat(200_000), type: 'application/json' })],
    ['patch: 2 MB body', patch({ status: 'pending', version: f.version, note: 'n'.repeat(2_000_000) })],
    ['patch: XML', patch(undefined, { raw: '<patch status="pending"/>', type: 'application/xml' })],
    ['patch: bad photo ids', patch({ status: 'pending', version: f.version, photos: ['../../etc/passwd'] })],
    ['patch: oversize Idempotency-Key', patch({ status: 'pending', version: f.version + 99 }, { headers: { 'idempotency-key': 'k'.repeat(300) } })],
    ['patch: NUL in id', patch({ status: 'pending', version: 1 }, { path: '/api/layers/compounds/a%00b' })],
    ['patch: invalid UTF-8 in id', patch({ status: 'pending', version: 1 }, { path: '/api/layers/compounds/%ED%A0%80' })],
    ['patch: oversize id', patch({ status: 'pending', version: 1 }, { path: `/api/layers/compounds/${'i'.repeat(101)}` })],
    ['patch: traversal in layer', patch({ status: 'pending', version: 1 }, { path: `/api/layers/..%2F..%2Fusers/${f.id}` })],
    ['patch: as coordinator outside', patch({ status: 'pending', version: f.version }, { as: 'coordinator' })],
    // Reads of layers, stats, regions, events, search, export
    ['layers: NaN bbox', { name: '', method: 'GET', path: '/api/layers/compounds?bbox=NaN,NaN,NaN,NaN' }],
    ['layers: Infinity bbox', { name: '', method: 'GET', path: '/api/layers/compounds?bbox=-Infinity,0,Infinity,1' }],
    ['layers: swapped lat/lon bbox', { name: '', method: 'GET', path: '/api/layers/compounds?bbox=34.7,113.6,34.8,113.7' }],
    ['layers: 1e400 bbox', { name: '', method: 'GET', path: '/api/layers/compounds?bbox=1e400,0,1,1' }],
    ['layers: hex bbox', { name: '', method: 'GET', path: '/api/layers/compounds?bbox=0x10,0,1,1' }],
    ['layers: SQL injection status', { name: '', method: 'GET', path: `/api/layers/compounds?status=${q(SQL)}` }],
    ['layers: SQL injection region', { name: '', method: 'GET', path: `/api/layers/compounds?region=${q("410105' OR '1'='1")}` }],
    ['layers: repeated region', { name: '', method: 'GET', path: '/api/layers/compounds?region=410105&region=410105001' }],
    ['layers: impossible date', { name: '', method: 'GET', path: '/api/layers/compounds?at=2026-02-30T00:00:00Z' }],
    ['layers: oversize status', { name: '', method: 'GET', path: `/api/layers/compounds?status=${'a,'.repeat(400)}` }],
    ['layers: unknown layer script', { name: '', method: 'GET', path: `/api/layers/${q(SCRIPT)}` }],
    ['feature: NUL id', { name: '', method: 'GET', path: '/api/layers/compounds/%00' }],
    ['history: RTL id', { name: '', method: 'GET', path: `/api/layers/compounds/${q(RTL)}/history` }],
    ['stats: bad region', { name: '', method: 'GET', path: '/api/stats?region=abc' }],
    ['stats: bad at', { name: '', method: 'GET', path: `/api/stats?at=${q(SQL)}` }],
    ['regions: 17-digit code', { name: '', method: 'GET', path: '/api/regions/41010500100101011' }],
    ['regions: NUL code', { name: '', method: 'GET', path: '/api/regions/410105%00' }],
    ['children: script code', { name: '', method: 'GET', path: `/api/regions/${q(SCRIPT)}/children.geojson` }],
    ['events: negative since', { name: '', method: 'GET', path: '/api/events?since=-1' }],
    ['events: since 1e400', { name: '', method: 'GET', path: '/api/events?since=1e400' }],
    ['events: huge limit', { name: '', method: 'GET', path: '/api/events?limit=100000000' }],
    ['events: limit zero', { name: '', method: 'GET', path: '/api/events?limit=0' }],
    ['search: empty q', { name: '', method: 'GET', path: '/api/search?q=' }],
    ['search: oversize q', { name: '', method: 'GET', path: `/api/search?q=${'q'.repeat(51)}` }],
    ['search: NUL in q', { name: '', method: 'GET', path: '/api/search?q=a%00b' }],
    ['search: SQL injection as a term', { name: '', method: 'GET', path: `/api/search?q=${q(SQL.slice(0, 50))}`, ok: true }],
    ['search: LIKE wildcards as a term', { name: '', method: 'GET', path: `/api/search?q=${q('%_%\\')}`, ok: true }],
    ['export: unknown format', { name: '', method: 'GET', path: '/api/export/compounds?format=pdf' }],
    ['export: script layer', { name: '', method: 'GET', path: `/api/export/${q(SCRIPT)}?format=csv` }],
    ['config: unknown method', { name: '', method: 'DELETE', path: '/api/config' }],
    // Campaigns
    ['campaign: broken JSON', { name: '', method: 'POST', path: '/api/campaigns', raw: '{"name":"x",', type: 'application/json' }],
    ['campaign: oversize name', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ name: LONG }) }],
    ['campaign: unknown layer', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ layer: 'users' }) }],
    ['campaign: ends before it starts', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ endsAt: '2020-01-01T00:00:00Z' }) }],
    ['campaign: bad date', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ startsAt: 'yesterday' }) }],
    ['campaign: unknown status', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ doneStatuses: [SQL.slice(0, 40)] }) }],
    ['campaign: injection in where key', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ targets: { region: '410105001', where: { 'name = name; DROP TABLE x; --': 1 } } }) }],
    ['campaign: object in where value', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ targets: { region: '410105001', where: { kind: { $ne: 1 } } } }) }],
    ['campaign: unknown region', { name: '', method: 'POST', path: '/api/campaigns', json: campaign({ targets: { region: '410105999' } }) }],
    ['campaign preview: NaN region', { name: '', method: 'POST', path: '/api/campaigns/preview', json: campaign({ targets: { region: 'NaN' } }) }],
    ['campaign: open unknown', { name: '', method: 'POST', path: `/api/campaigns/${q(SQL)}/open` }],
    ['campaign: close NUL id', { name: '', method: 'POST', path: '/api/campaigns/a%00b/close' }],
    ['campaign: progress NUL id', { name: '', method: 'GET', path: '/api/campaigns/%00/progress' }],
    ['campaign: progress bad at', { name: '', method: 'GET', path: `/api/campaigns/${f.campaign}/progress?at=not-a-time` }],
    ['campaign: targets bad region', { name: '', method: 'GET', path: `/api/campaigns/${f.campaign}/targets?region=${q(SCRIPT)}` }],
    // Users
    ['users: script username', { name: '', method: 'POST', path: '/api/admin/users', json: { username: SCRIPT, password: 'long-enough-1', role: 'leader', regionCodes: ['410105'] } }],
    ['users: RTL username', { name: '', method: 'POST', path: '/api/admin/users', json: { username: RTL, password: 'long-enough-1', role: 'leader', regionCodes: ['410105'] } }],
    ['users: NUL username', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'a\u0000b', password: 'long-enough-1', role: 'leader', regionCodes: ['410105'] } }],
    ['users: role root', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'root1', password: 'long-enough-1', role: 'root', regionCodes: ['410105'] } }],
    ['users: no regions', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'nor1', password: 'long-enough-1', role: 'leader', regionCodes: [] } }],
    ['users: injection region', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'inj1', password: 'long-enough-1', role: 'leader', regionCodes: [SQL] } }],
    ['users: coordinator of a street', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'str1', password: 'long-enough-1', role: 'coordinator', regionCodes: ['410105001'] } }],
    ['users: short password', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'short1', password: 'x', role: 'leader', regionCodes: ['410105'] } }],
    ['users: oversize password', { name: '', method: 'POST', path: '/api/admin/users', json: { username: 'long1', password: LONG, role: 'leader', regionCodes: ['410105'] } }],
    ['users: empty patch', { name: '', method: 'PATCH', path: '/api/admin/users/leader', json: {} }],
    ['users: patch disabled as string', { name: '', method: 'PATCH', path: '/api/admin/users/leader', json: { disabled: 'yes' } }],
    ['users: patch unknown user', { name: '', method: 'PATCH', path: `/api/admin/users/${q(RTL)}`, json: { disabled: true } }],
    ['users: patch NUL username', { name: '', method: 'PATCH', path: '/api/admin/users/a%00b', json: { disabled: true } }],
    ['users: self lockout', { name: '', method: 'PATCH', path: '/api/admin/users/admin', json: { disabled: true } }],
    ['users: bad limit', { name: '', method: 'GET', path: '/api/admin/users?limit=-5' }],
    ['users: oversize q', { name: '', method: 'GET', path: `/api/admin/users?q=${'q'.repeat(65)}` }],
    // Photos
    ['photo: text as image/png', { name: '', method: 'POST', path: `/api/layers/compounds/${f.id}/photos`, raw: 'not an image', type: 'image/png' }],
    ['photo: PNG declared as JPEG', { name: '', method: 'POST', path: `/api/layers/compounds/${f.id}/photos`, raw: createPng(4242), type: 'image/jpeg' }],
    ['photo: JSON body', { name: '', method: 'POST', path: `/api/layers/compounds/${f.id}/photos`, json: { image: 'x' } }],
    ['photo: SVG with script', { name: '', method: 'POST', path: `/api/layers/compounds/${f.id}/photos`, raw: `<svg xmlns="http://www.w3.org/2000/svg">${SCRIPT}</svg>`, type: 'image/svg+xml' }],
    ['photo: 9 MB', { name: '', method: 'POST', path: `/api/layers/compounds/${f.id}/photos`, raw: Buffer.concat([createPng(4343), Buffer.alloc(9 * 1024 * 1024)]), type: 'image/png' }],
    ['photo: bad id', { name: '', method: 'GET', path: '/api/photos/..%2F..%2Fjwt-secret' }],
    ['photo: unknown id', { name: '', method: 'GET', path: `/api/photos/${'f'.repeat(64)}` }],
    // Imports (GeoJSON, regions, archives, spreadsheets)
    ['import: broken GeoJSON', geojson('{"type":"FeatureCollection","features":[{"type":')],
    ['import: NaN coordinates', geojson('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"n","kind":"commercial","propertyService":"red"},"geometry":{"type":"Point","coordinates":[NaN,NaN]}}]}')],
    ['import: 1e400 coordinates', geojson(`{"type":"FeatureCollection","features":[${JSON.stringify(feature(compound('inf'), point([0, 0]))).replace('[0,0]', '[1e400,-1e400]')}]}`)],
    ['import: swapped lat/lon', geojson(collection([feature(compound('倒置'), point([INSIDE[1], INSIDE[0]]))]))],
    ['import: Web Mercator metres as WGS84', geojson(collection([feature(compound('墨卡托'), point([12658000, 4139000]))]))],
    ['import: declared EPSG:3857 crs member', geojson({ ...collection([feature(compound('crs'), point([12658000, 4139000]))]), crs: { type: 'name', properties: { name: 'EPSG:3857' } } })],
    ['import: one-number coordinates', geojson(collection([feature(compound('一'), point([113.7]))]))],
    ['import: null geometry', geojson(collection([feature(compound('空'), null)]))],
    ['import: polygon for a point layer', geojson(collection([feature(compound('面'), polygon(BOWTIE))]))],
    ['import: script and injection names, one bad row', geojson(withBadRow(feature(compound(`${SCRIPT}${SQL}`), point(INSIDE))))],
    ['import: NUL, RTL and lone surrogate, one bad row', geojson(withBadRow(feature(compound(`a\u0000b${RTL}\ud800`), point(INSIDE))))],
    ['import: oversize name, one bad row', geojson(withBadRow(feature(compound(LONG), point(INSIDE))))],
    ['import: unknown enum value', geojson(collection([feature({ ...compound('枚举'), kind: SQL }, point(INSIDE))]))],
    ['import: not GeoJSON at all', geojson('[1,2,3]')],
    ['import: bare Feature outside the district', geojson(feature(compound('孤'), point([113.55, 34.72])))],
    ['regions: self-intersecting polygon', geojson(collection([grid(polygon(BOWTIE))]), 'layer=regions&level=grid&filename=g.geojson')],
    ['regions: unclosed ring', geojson(collection([grid(polygon(UNCLOSED))]), 'layer=regions&level=grid&filename=g.geojson')],
    ['regions: NaN ring', geojson(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"41010500100101","name":"g","parentCode":"410105001001"},"geometry":{"type":"Polygon","coordinates":[[[NaN,1],[2,2],[3,3],[NaN,1]]]}}]}`, 'layer=regions&level=grid&filename=g.geojson')],
    ['regions: injection code', geojson(collection([grid(polygon(BOWTIE), SQL)]), 'layer=regions&level=grid&filename=g.geojson')],
    ['regions: no level', geojson(collection([]), 'layer=regions&filename=g.geojson')],
    ['import: traversal filename', geojson('{"type":', `layer=compounds&filename=${q('../../../etc/passwd.geojson')}`)],
    ['import: NUL in filename', geojson('{}', 'layer=compounds&filename=a%00.geojson')],
    ['import: executable', imp('layer=compounds&filename=virus.exe', 'MZ')],
    ['import: unknown encoding', imp('layer=compounds&filename=a.csv&encoding=utf-7', '名称,经度,纬度\n')],
    ['import: zip bomb', imp('layer=compounds&filename=a.zip', fixture('hostile-bomb.zip'))],
    ['import: zip path traversal', imp('layer=compounds&filename=a.zip', fixture('hostile-traversal.zip'))],
    ['import: zip absolute path', imp('layer=compounds&filename=a.zip', fixture('hostile-absolute.zip'))],
    ['import: zip symlink', imp('layer=compounds&filename=a.zip', fixture('hostile-symlink.zip'))],
    ['import: zip lying sizes', imp('layer=compounds&filename=a.zip', fixture('hostile-lying-size.zip'))],
    ['import: not a zip', imp('layer=compounds&filename=a.zip', 'PK\u0003\u0004 not really')],
    ['import: XLSX bomb', imp('layer=compounds&filename=a.xlsx', f.xlsxBomb)],
    ['import: XLSX that is text', imp('layer=compounds&filename=a.xlsx', SCRIPT)],
    ['import: CSV injection and bad coordinates', imp('layer=compounds&filename=a.csv', `名称,楼院类型,红色物业,经度,纬度\n=cmd|' /C calc'!A0,commercial,red,NaN,Infinity\n`)],
    ['import: KML with external entity', imp('layer=compounds&filename=a.kml', '<?xml version="1.0"?><!DOCTYPE k [<!ENTITY x SYSTEM "file:///etc/passwd">]><kml><Placemark><name>&x;</name><Point><coordinates>113.7,34.8</coordinates></Point></Placemark></kml>')],
    // Tiles and OGC
    ['tile: z 23', { name: '', method: 'GET', path: '/tiles/compounds/23/0/0.mvt' }],
    ['tile: x out of range', { name: '', method: 'GET', path: '/tiles/compounds/2/4/0.mvt' }],
    ['tile: negative y', { name: '', method: 'GET', path: '/tiles/compounds/2/0/-1.mvt' }],
    ['tile: NaN z', { name: '', method: 'GET', path: '/tiles/compounds/NaN/0/0.mvt' }],
    ['tile: injection status', { name: '', method: 'GET', path: `/tiles/compounds/14/13440/6464.mvt?status=${q(SQL)}` }],
    ['tile: bad level', { name: '', method: 'GET', path: '/tiles/regions/14/13440/6464.mvt?level=country' }],
    ['tile: garbage token parameter', { name: '', method: 'GET', path: `/tiles/compounds.json?token=${q(SCRIPT)}`, as: 'none' }],
    ['tilejson: script layer', { name: '', method: 'GET', path: `/tiles/${q(SCRIPT)}.json` }],
    ['ogc: NaN bbox', { name: '', method: 'GET', path: '/ogc/collections/compounds/items?bbox=NaN,1,2,3' }],
    ['ogc: swapped bbox', { name: '', method: 'GET', path: '/ogc/collections/compounds/items?bbox=34.7,113.6,34.8,113.7' }],
    ['ogc: five-number bbox', { name: '', method: 'GET', path: '/ogc/collections/compounds/items?bbox=1,2,3,4,5' }],
    ['ogc: negative limit', { name: '', method: 'GET', path: '/ogc/collections/compounds/items?limit=-1' }],
    ['ogc: garbage datetime', { name: '', method: 'GET', path: `/ogc/collections/compounds/items?datetime=${q(SQL)}` }],
    ['ogc: reversed interval', { name: '', method: 'GET', path: '/ogc/collections/compounds/items?datetime=2027-01-01T00:00:00Z/2020-01-01T00:00:00Z' }],
    ['ogc: wrong CRS parameter', { name: '', method: 'GET', path: '/ogc/collections/compounds/items?crs=EPSG:3857' }],
    ['ogc: unknown format', { name: '', method: 'GET', path: '/ogc/collections?f=xml' }],
    ['ogc: script collection', { name: '', method: 'GET', path: `/ogc/collections/${q(SCRIPT)}` }],
    ['ogc: NUL feature id', { name: '', method: 'GET', path: '/ogc/collections/compounds/items/%00' }],
    ['ogc: lone surrogate feature id', { name: '', method: 'GET', path: '/ogc/collections/compounds/items/%ED%A0%80' }],
    ['api: unknown route', { name: '', method: 'POST', path: '/api/admin', json: { role: 'admin' } }],
  ];
  return table.map(([name, c]) => ({ ...c, name }));
}

/** An .xlsx whose first sheet inflates to 40 MB from a few kB (python3 zipfile, as the fixtures are made). */
function xlsxBomb(): Buffer {
  const out = path.join(TMP, `bomb-${process.pid}.xlsx`);
  execFileSync('/usr/bin/python3', [
    '-c',
    `import sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as a, zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as b:
    for n in a.namelist():
        if n == 'xl/worksheets/sheet1.xml':
            row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 800000
            b.writestr(n, '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + row + '</sheetData></worksheet>')
        else:
            b.writestr(n, a.read(n))`,
    path.join(FIXTURES, 'compounds.xlsx'),
    out,
  ]);
  const bytes = fs.readFileSync(out);
  fs.rmSync(out);
  return bytes;
}

/** Row count and a hash of every row of every table (order-independent), and the event count. */
async function checksum(db: Db): Promise<Record<string, string>> {
  const tables = await db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const sums: Record<string, string> = {};
  for (const { name } of tables) {
    // Names come from the catalogue, quoted as identifiers.
    const [row] = await db.query<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(r, '' ORDER BY r), '')) AS h FROM (SELECT md5(t::text) AS r FROM "${name.replaceAll('"', '""')}" AS t) AS x`,
    );
    sums[name] = `${row.n}:${row.h}`;
  }
  return sums;
}

/** Per-test limit for the corpus and the property runs: generous, the 2-core machines are shared. */
const LONG_TEST = 240_000;

const isErrorShape = (body: unknown) =>
  typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string' && typeof (body as { message?: unknown }).message === 'string';

describe.each(BACKENDS)('hostile input on %s', (backend) => {
  let server: TestServer;
  const tokens: Record<'admin' | 'coordinator', string> = { admin: '', coordinator: '' };
  let target: { id: string; version: number; grid: string; campaign: string };
  let before: Record<string, string>;
  let uploadsBefore: string[];

  const uploads = () => {
    const dir = path.join(server.dataDir, 'uploads');
    return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : [];
  };
  const send = async (c: Case) => {
    const headers: Record<string, string> = { ...c.headers };
    const as = c.as ?? 'admin';
    if (as !== 'none') headers.authorization = `Bearer ${tokens[as]}`;
    let body: string | Buffer | undefined;
    if (c.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(c.json)];
    if (c.raw !== undefined) [headers['content-type'], body] = [c.type ?? 'application/octet-stream', c.raw];
    const res = await fetch(server.url + c.path, { method: c.method, headers, body: typeof body === 'string' || !body ? body : new Uint8Array(body) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, body: json, text };
  };

  beforeAll(async () => {
    server = await startTestServer({ backend });
    tokens.admin = await login(server.url, 'admin');
    // A compound in one grid; the coordinator is of another grid (their PATCH of it is an outside write).
    const [row] = await server.db.query<{ id: string; version: number; grid: string }>(
      `SELECT id, version, left(region_code, 14) AS grid FROM compounds WHERE status = 'normal' ORDER BY id LIMIT 1`,
    );
    const [other] = await server.db.query<{ code: string }>(`SELECT code FROM regions WHERE level = 'grid' AND code <> $1 ORDER BY code DESC LIMIT 1`, [row.grid]);
    tokens.coordinator = await login(server.url, `grid-${other.code}`);
    const [campaign] = await server.db.query<{ id: string }>('SELECT id FROM campaigns ORDER BY id LIMIT 1');
    target = { ...row, campaign: campaign?.id ?? 'none' };
    before = await checksum(server.db);
    uploadsBefore = uploads();
  });
  afterAll(() => server?.close());

  it('answers each of the corpus with a 4xx in the error shape (never a 5xx), and stays up', async () => {
    const cases = corpus({ ...target, xlsxBomb: xlsxBomb() });
    expect(cases.filter((c) => !c.ok).length).toBeGreaterThanOrEqual(80);
    const wrong: string[] = [];
    for (const c of cases) {
      const res = await send(c);
      const fine = c.ok ? res.status >= 200 && res.status < 300 : res.status >= 400 && res.status < 500 && isErrorShape(res.body);
      if (!fine) wrong.push(`${c.name}: ${res.status} ${res.text.slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    const health = await send({ name: 'health', method: 'GET', path: '/api/health', as: 'none' });
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
  }, LONG_TEST);

  it('answers hostile socket handshakes with a refusal and hostile messages with { ok: false }, and stays up', async () => {
    const connect = (auth: unknown) =>
      new Promise<Socket | string>((resolve) => {
        const socket = io(server.url, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false });
        socket.on('connect', () => resolve(socket));
        socket.on('connect_error', (err) => {
          socket.close();
          resolve(err.message);
        });
      });
    for (const auth of [{}, { token: { $ne: null } }, { token: 'x'.repeat(100_000) }, { token: `a\u0000b` }, { token: SCRIPT }, { token: ['a'] }]) {
      expect(await connect(auth)).toBe('unauthorized');
    }
    const socket = (await connect({ token: tokens.coordinator })) as Socket;
    expect(typeof socket).toBe('object');
    const payloads = [null, undefined, '410105', 410105, [], { region: 410105 }, { region: SQL }, { region: '4'.repeat(10_000) }, { region: { $gt: '' } }, { region: `410105\u0000` }, { region: '410105', __proto__: { x: 1 } }];
    for (const event of ['subscribe', 'unsubscribe']) {
      for (const payload of payloads) {
        const ack = (await socket.timeout(5000).emitWithAck(event, payload)) as { ok: boolean; error?: string };
        // '410105' as a string subscribes only where allowed: the coordinator is refused the district.
        expect({ event, payload: String(JSON.stringify(payload)).slice(0, 30), ok: ack.ok && event === 'subscribe' }).toMatchObject({ ok: false });
        if (!ack.ok) expect(typeof ack.error).toBe('string');
      }
    }
    // Unknown events and events without an acknowledgement are ignored; the socket stays usable.
    socket.emit('__proto__', { region: '410105' });
    socket.emit('constructor', 'x');
    socket.emit('subscribe', { region: SQL });
    const ok = (await socket.timeout(5000).emitWithAck('subscribe', { region: tokensGrid(tokens.coordinator) })) as { ok: boolean };
    expect(ok.ok).toBe(true);
    socket.close();
    expect((await send({ name: 'health', method: 'GET', path: '/api/health', as: 'none' })).status).toBe(200);
  });

  it('refuses bodies over the limits with 413 payload_too_large in the error shape (BODY_MAX_KB, photos 8 MB)', async () => {
    const big = 'n'.repeat(1024 * 1024 + 1);
    const cases: Case[] = [
      { name: 'login', method: 'POST', path: '/api/auth/login', json: { username: 'admin', password: big }, as: 'none' },
      { name: 'patch', method: 'PATCH', path: `/api/layers/compounds/${target.id}`, json: { status: 'pending', version: 1, note: big } },
      { name: 'campaign', method: 'POST', path: '/api/campaigns', json: { name: big } },
      { name: 'user', method: 'PATCH', path: '/api/admin/users/leader', json: { password: big } },
      { name: 'photo', method: 'POST', path: `/api/layers/compounds/${target.id}/photos`, raw: Buffer.concat([createPng(4545), Buffer.alloc(8 * 1024 * 1024)]), type: 'image/png' },
    ];
    for (const c of cases) {
      const res = await send(c);
      expect({ name: c.name, status: res.status, error: (res.body as { error?: string })?.error }).toEqual({ name: c.name, status: 413, error: 'payload_too_large' });
      expect(isErrorShape(res.body)).toBe(true);
    }
    expect(loadConfig({ BODY_MAX_KB: '64' }).bodyLimit).toBe(64 * 1024);
    expect(loadConfig({}).bodyLimit).toBe(1024 * 1024);
    expect(() => loadConfig({ BODY_MAX_KB: 'lots' })).toThrow(/BODY_MAX_KB/);
  });

  it('left the database, the event count and the uploads exactly as they were', async () => {
    expect(await checksum(server.db)).toEqual(before);
    expect(uploads()).toEqual(uploadsBefore);
    const tmp = path.join(server.dataDir, 'tmp');
    expect(fs.existsSync(tmp) ? fs.readdirSync(tmp) : []).toEqual([]);
  });

  // Property-based: arbitrary JSON → a 2xx for a valid body or a 4xx in the error shape, never a 5xx, and a 4xx
  // changes nothing. Runs after the checksum above: a valid body may write.
  it('answers arbitrary PATCH bodies with a 2xx or a 4xx in the error shape; a 4xx changes nothing', async () => {
    const statuses = ['normal', 'pending', 'in_progress', 'done', 'verified', 'x', ''];
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          status: fc.oneof(fc.constantFrom(...statuses), fc.string(), fc.integer(), fc.constant(null)),
          version: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.string(), fc.constant(null)),
          note: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
          photos: fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fc.string())),
          extra: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    const versionOf = async () => (await server.db.query<{ version: number }>('SELECT version FROM compounds WHERE id = $1', [target.id]))[0].version;
    const events = async () => (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0].n;
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const [v0, e0] = [await versionOf(), await events()];
        const res = await send({ name: 'prop', method: 'PATCH', path: `/api/layers/compounds/${target.id}`, raw: JSON.stringify(value) ?? 'null', type: 'application/json' });
        if (res.status >= 200 && res.status < 300) return;
        expect(res.status, res.text).toBeGreaterThanOrEqual(400);
        expect(res.status, res.text).toBeLessThan(500);
        expect(isErrorShape(res.body)).toBe(true);
        expect([await versionOf(), await events()]).toEqual([v0, e0]);
      }),
      { numRuns: backend === 'postgres' ? 100 : 50 },
    );
  }, LONG_TEST);

  it('answers arbitrary GeoJSON imports with a 2xx or a 4xx in the error shape; a 4xx changes nothing', async () => {
    const coordinate = fc.oneof(fc.double(), fc.double({ min: 113.6, max: 113.8, noNaN: true }), fc.constantFrom(Number.NaN, Infinity, 1e308, -0));
    const geometry = fc.oneof(
      fc.record({ type: fc.constant('Point'), coordinates: fc.oneof(fc.tuple(coordinate, fc.double({ min: 34.75, max: 34.85, noNaN: true })), fc.array(coordinate)) }),
      fc.record({ type: fc.constantFrom('Polygon', 'LineString', 'MultiPoint', 'GeometryCollection', 'Nope'), coordinates: fc.jsonValue() }),
      fc.jsonValue(),
    );
    const props = fc.oneof(
      fc.record({ name: fc.string({ unit: 'binary' }), kind: fc.constantFrom('commercial', 'unmanaged', '无主管楼院', 'x'), propertyService: fc.constantFrom('red', 'none', 7) }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    const file = fc.oneof(
      fc.record({ type: fc.constant('FeatureCollection'), features: fc.array(fc.record({ type: fc.constant('Feature'), properties: props, geometry, id: fc.option(fc.oneof(fc.string(), fc.integer())) }), { maxLength: 4 }) }),
      fc.jsonValue(),
    );
    const snapshot = async () => [
      (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0].n,
      (await server.db.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, md5(coalesce(string_agg(md5(c::text), '' ORDER BY md5(c::text)), '')) AS h FROM compounds AS c`))[0],
    ];
    await fc.assert(
      fc.asyncProperty(file, fc.boolean(), async (value, skipBad) => {
        const s0 = await snapshot();
        // JSON.stringify writes NaN and Infinity as null; the corpus above sends them raw.
        const res = await send({ name: 'prop', method: 'POST', path: `/api/imports?layer=compounds&filename=p.geojson${skipBad ? '&skipBad=true' : ''}`, raw: JSON.stringify(value) ?? 'null', type: 'application/geo+json' });
        if (res.status >= 200 && res.status < 300) return;
        expect(res.status, res.text).toBeGreaterThanOrEqual(400);
        expect(res.status, res.text).toBeLessThan(500);
        expect(isErrorShape(res.body)).toBe(true);
        expect(await snapshot()).toEqual(s0);
      }),
      { numRuns: backend === 'postgres' ? 60 : 30 },
    );
  }, LONG_TEST);
});

/** The first grid of a coordinator token (the payload is not secret: it is read back from the server's own token). */
function tokensGrid(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { regionCode: string }).regionCode;
}
