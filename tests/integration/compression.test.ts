// HTTP compression of API answers (brotli or gzip, by Accept-Encoding), on the real server over real PostGIS (both
// backends). Requests go through node:http, which neither asks for nor decodes compression by itself, so each
// test sees exactly the bytes the server sent.
import Fastify from 'fastify';
import compress from '@fastify/compress';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { login, rawGet } from '../helpers/api.js';
import { COMPRESS_THRESHOLD, compressOptions } from '../../server/src/compression.js';


const DECODE: Record<string, (b: Buffer) => Buffer> = { br: zlib.brotliDecompressSync, gzip: zlib.gunzipSync };

describe.each(BACKENDS)('compression on %s', (backend) => {
  let server: TestServer;
  let auth: Record<string, string>;
  /** The district's compounds: the largest GeoJSON the leader page loads (pre-built JSON text from PostGIS). */
  const LARGE = '/api/layers/compounds?region=410105';

  beforeAll(async () => {
    server = await startTestServer({ backend });
    auth = { authorization: `Bearer ${await login(server.url, 'leader')}` };
  });
  afterAll(() => server?.close());

  it.each(['br', 'gzip'])('sends a large GeoJSON answer as %s that decodes to exactly the uncompressed body', async (encoding) => {
    const plain = await rawGet(server.url + LARGE, auth);
    const packed = await rawGet(server.url + LARGE, { ...auth, 'accept-encoding': encoding });
    expect(plain.status).toBe(200);
    expect(packed.status).toBe(200);
    expect(packed.headers['content-type']).toMatch(/^application\/geo\+json/);
    expect(packed.headers['content-encoding']).toBe(encoding);
    expect(packed.headers.vary?.toLowerCase()).toContain('accept-encoding');
    expect(packed.body.length).toBeLessThan(plain.body.length / 5);
    expect(DECODE[encoding](packed.body).equals(plain.body)).toBe(true);
    expect(JSON.parse(plain.body.toString('utf8')).features.length).toBeGreaterThan(1000);
  });

  it('prefers brotli when the client accepts both, as browsers do', async () => {
    const res = await rawGet(server.url + LARGE, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
    expect(res.headers['content-encoding']).toBe('br');
  });

  it('compresses JSON built by the serializer too (a region detail)', async () => {
    const plain = await rawGet(server.url + '/api/regions/410105', auth);
    expect(plain.body.length).toBeGreaterThan(COMPRESS_THRESHOLD);
    const packed = await rawGet(server.url + '/api/regions/410105', { ...auth, 'accept-encoding': 'br' });
    expect(packed.headers['content-encoding']).toBe('br');
    expect(JSON.parse(zlib.brotliDecompressSync(packed.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
  });

  it('leaves answers below the threshold uncompressed', async () => {
    const res = await rawGet(server.url + '/api/health', { 'accept-encoding': 'br, gzip' });
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThan(COMPRESS_THRESHOLD);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ status: 'ok', db: backend });
  });

  it('sends identity to a client that sends no Accept-Encoding, or asks for identity', async () => {
    for (const headers of [auth, { ...auth, 'accept-encoding': 'identity' }]) {
      const res = await rawGet(server.url + LARGE, headers);
      expect(res.status).toBe(200);
      expect(res.headers['content-encoding']).toBeUndefined();
      expect(JSON.parse(res.body.toString('utf8')).type).toBe('FeatureCollection');
    }
  });

  it('compresses CSV exports but never XLSX (already a zip)', async () => {
    const csv = await rawGet(server.url + '/api/export/compounds?format=csv', { ...auth, 'accept-encoding': 'gzip' });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(csv.body).toString('utf8')).toMatch(/^\uFEFF?编号,/);
    const xlsx = await rawGet(server.url + '/api/export/compounds?format=xlsx', { ...auth, 'accept-encoding': 'gzip' });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-encoding']).toBeUndefined();
    expect(xlsx.body.subarray(0, 2).toString('latin1')).toBe('PK');
  });
});

// Which media types the options compress, on a real Fastify with the same options (no database needed): vector
// tiles yes (the /tiles routes send them), already-compressed images and XLSX no.
describe('compression by media type', () => {
  const app = Fastify();
  const body = Buffer.alloc(4 * COMPRESS_THRESHOLD, 'tile ');
  const TYPES: Record<string, boolean> = {
    'application/vnd.mapbox-vector-tile': true,
    'application/geo+json; charset=utf-8': true,
    'application/json; charset=utf-8': true,
    'application/javascript; charset=utf-8': true,
    'text/css; charset=utf-8': true,
    'text/html; charset=utf-8': true,
    'image/png': false,
    'image/jpeg': false,
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': false,
  };
  beforeAll(async () => {
    await app.register(compress, compressOptions);
    app.get<{ Querystring: { type: string } }>('/body', (req, reply) => reply.type(req.query.type).send(body));
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it.each(Object.entries(TYPES))('%s → compressed: %s', async (type, compressed) => {
    const { port } = app.server.address() as { port: number };
    const res = await rawGet(`http://127.0.0.1:${port}/body?type=${encodeURIComponent(type)}`, { 'accept-encoding': 'br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(compressed ? 'br' : undefined);
    expect((compressed ? zlib.brotliDecompressSync(res.body) : res.body).equals(body)).toBe(true);
  });
});
