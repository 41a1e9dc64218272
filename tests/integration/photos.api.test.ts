// Photos of points over HTTP against the real server on real PostGIS (both backends) and the real file system
// under its DATA_DIR; nothing mocked.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHOTO_MAX_BYTES, type PhotoRef } from '$contract/photos';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';
import { createJpegLike, createPng } from '../helpers/photos.js';

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

/** Every file under a directory (recursive), relative paths. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

describe.each(BACKENDS)('photos API on %s', (backend) => {
  let server: TestServer;
  let uploads: string;
  /** A compound inside `grid`, another compound in another grid of another street. */
  let own: { id: string; version: number; status: string; grid: string };
  let foreign: { id: string; grid: string };
  let tokens: Record<'coordinator' | 'other' | 'leader' | 'display', string>;
  let seed = 0;

  const upload = (token: string | undefined, layer: string, id: string, bytes: Buffer, type = 'image/png') =>
    fetch(`${server.url}/api/layers/${layer}/${id}/photos`, {
      method: 'POST',
      headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: new Uint8Array(bytes),
    });
  const get = (token: string | undefined, p: string) => fetch(server.url + p, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const counts = async () => ({
    photos: (await server.db.query('SELECT count(*) AS n FROM photos'))[0].n,
    attachments: (await server.db.query('SELECT count(*) AS n FROM photo_attachments'))[0].n,
    events: (await server.db.query('SELECT count(*) AS n FROM events'))[0].n,
    files: filesUnder(uploads),
  });

  beforeAll(async () => {
    server = await startTestServer({ backend });
    uploads = path.join(server.dataDir, 'uploads');
    [own] = await server.db.query(
      `SELECT id, version, status, left(region_code, 14) AS grid FROM compounds WHERE status = 'pending' ORDER BY id LIMIT 1`,
    );
    [foreign] = await server.db.query(
      `SELECT id, left(region_code, 14) AS grid FROM compounds WHERE left(region_code, 9) <> left($1::text, 9) ORDER BY id LIMIT 1`,
      [own.grid],
    );
    tokens = {
      coordinator: await login(server.url, `grid-${own.grid}`),
      other: await login(server.url, `grid-${foreign.grid}`),
      leader: await login(server.url, 'leader'),
      display: await login(server.url, 'display'),
    };
  });
  afterAll(() => server?.close());

  it('stores an upload under DATA_DIR/uploads by its sha256 and answers 201 with its PhotoRef', async () => {
    const bytes = createPng(++seed);
    const res = await upload(tokens.coordinator, 'compounds', own.id, bytes);
    expect(res.status).toBe(201);
    const ref = (await res.json()) as PhotoRef;
    const id = sha256(bytes);
    expect(ref).toEqual({
      id,
      url: `/api/photos/${id}`,
      contentType: 'image/png',
      size: bytes.length,
      layer: 'compounds',
      featureId: own.id,
      uploadedBy: `grid-${own.grid}`,
      uploadedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const file = path.join(uploads, id.slice(0, 2), id.slice(2, 4), id);
    expect(fs.readFileSync(file).equals(bytes)).toBe(true);
    // Written to a temp file and renamed: nothing is left half-written in tmp/.
    expect(filesUnder(path.join(uploads, 'tmp'))).toEqual([]);

    const list = await (await get(tokens.leader, `/api/layers/compounds/${own.id}/photos`)).json();
    expect(list.map((p: PhotoRef) => p.id)).toContain(id);
  });

  it('returns the same PhotoRef with 200 for a retried upload and stores nothing twice', async () => {
    const bytes = createJpegLike(++seed);
    const first = await upload(tokens.coordinator, 'compounds', own.id, bytes, 'image/jpeg');
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await upload(tokens.coordinator, 'compounds', own.id, bytes, 'image/jpeg');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(await first.json());
    expect(await counts()).toEqual(before);
  });

  it('checks the type from the bytes: a text file sent as image/jpeg is 415 and nothing is written', async () => {
    const before = await counts();
    const cases: [Buffer, string][] = [
      [Buffer.from('photo.jpg\nthis is plain text, not a picture\n'), 'image/jpeg'],
      [createPng(++seed), 'image/jpeg'], // a real image, but not the type it claims
      [Buffer.alloc(0), 'image/png'],
      [Buffer.from('GIF89a……'), 'image/gif'],
      [Buffer.from('hello'), 'text/plain'],
      [Buffer.from('{"a":1}'), 'application/json'],
    ];
    for (const [bytes, type] of cases) {
      const res = await upload(tokens.coordinator, 'compounds', own.id, bytes, type);
      const body = await res.json();
      expect({ type, status: res.status, error: body.error }).toEqual({ type, status: 415, error: 'unsupported_media_type' });
      expect(body.message).toEqual(expect.any(String));
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses a photo over PHOTO_MAX_BYTES with 413 and writes nothing', async () => {
    const before = await counts();
    const big = Buffer.concat([createPng(++seed), Buffer.alloc(PHOTO_MAX_BYTES)]);
    const res = await upload(tokens.coordinator, 'compounds', own.id, big);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large', message: expect.any(String) });
    expect(await counts()).toEqual(before);
  });

  it('allows uploads only to users who may write the point: 404 unknown or outside the grid, then 403 read-only', async () => {
    const before = await counts();
    const bytes = createPng(++seed);
    const cases: [string | undefined, string, string, number, string][] = [
      [undefined, 'compounds', own.id, 401, 'unauthorized'],
      [tokens.coordinator, 'unicorns', own.id, 404, 'not_found'],
      [tokens.coordinator, 'compounds', 'no-such-id', 404, 'not_found'],
      [tokens.coordinator, 'compounds', foreign.id, 404, 'not_found'],
      [tokens.display, 'compounds', own.id, 403, 'forbidden'],
    ];
    for (const [token, layer, id, status, error] of cases) {
      const res = await upload(token, layer, id, bytes);
      expect({ layer, id, status: res.status, error: (await res.json()).error }).toEqual({ layer, id, status, error });
    }
    expect(await counts()).toEqual(before);
  });

  it('serves a photo to those who may read its point, privately, and 404 to a coordinator of another grid', async () => {
    const bytes = createPng(++seed);
    const ref = (await (await upload(tokens.coordinator, 'compounds', own.id, bytes)).json()) as PhotoRef;
    for (const token of [tokens.leader, tokens.coordinator, tokens.display]) {
      const res = await get(token, ref.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(res.headers.get('cache-control')).toMatch(/^private\b/);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    }
    const hidden = await get(tokens.other, ref.url);
    const unknown = await get(tokens.other, `/api/photos/${sha256(Buffer.from('never uploaded'))}`);
    expect(hidden.status).toBe(404);
    // Exactly the answer for an id that does not exist: nothing tells the photo is there.
    expect({ ...(await hidden.json()), message: '' }).toEqual({ ...(await unknown.json()), message: '' });
    expect((await get(tokens.other, `/api/layers/compounds/${own.id}/photos`)).status).toBe(404);
    expect((await get(undefined, ref.url)).status).toBe(401);
    expect((await get(tokens.leader, '/api/photos/not-a-hash')).status).toBe(400);
  });

  it('records photos given with a PATCH in the event after.photos, and refuses photos of another point', async () => {
    const coordinator = client(server.url, tokens.coordinator);
    const bytes = createPng(++seed);
    const ref = (await (await upload(tokens.coordinator, 'compounds', own.id, bytes)).json()) as PhotoRef;
    const current = (await coordinator.get(`/api/layers/compounds/${own.id}`)).body.properties;
    const next = current.nextStatuses[0];

    const before = await counts();
    const [other] = await server.db.query(`SELECT id FROM compounds WHERE left(region_code, 14) = $1 AND id <> $2 ORDER BY id LIMIT 1`, [own.grid, own.id]);
    const otherRef = other
      ? ((await (await upload(tokens.coordinator, 'compounds', other.id, createPng(++seed))).json()) as PhotoRef)
      : undefined;
    const afterOtherUpload = await counts();
    const refused: unknown[][] = [[sha256(Buffer.from('nothing'))], ...(otherRef ? [[otherRef.id]] : [])];
    for (const photos of refused) {
      const res = await coordinator.patch(`/api/layers/compounds/${own.id}`, { status: next, version: current.version, photos });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: 'unknown_photo', details: photos });
    }
    for (const photos of [['x'], 'abc', [ref.id, ref.id]]) {
      expect((await coordinator.patch(`/api/layers/compounds/${own.id}`, { status: next, version: current.version, photos })).status).toBe(400);
    }
    expect((await counts()).events).toBe(before.events);
    expect(afterOtherUpload.events).toBe(before.events);

    const res = await coordinator.patch(`/api/layers/compounds/${own.id}`, { status: next, version: current.version, note: '已拍照', photos: [ref.id] });
    expect(res.status).toBe(200);
    const history = (await coordinator.get(`/api/layers/compounds/${own.id}/history`)).body.events;
    expect(history.at(-1)).toMatchObject({ seq: res.body.seq, after: { status: next, note: '已拍照', photos: [ref.id] } });
  });
});
