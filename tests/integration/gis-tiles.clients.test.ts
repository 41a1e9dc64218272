// Real GIS clients read our vector tiles: GDAL's MVT driver (ogrinfo) and QGIS (headless, its own network
// manager and MVT decoder), against the real server on real PostGIS. Their feature counts and ids must equal the
// server's tile as the reference decoder reads it. Nothing mocked.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { login } from '../helpers/api.js';
import { decodeTile, tileOf } from '../helpers/mvt.js';
import { ROOT, TMP } from '../helpers/templates.js';

// The server runs in this process: the clients must run asynchronously, or they would wait on a blocked server.
const run = promisify(execFile);
const OGRINFO = '/usr/bin/ogrinfo';
// Debian's python3 with the QGIS bindings, not a pyenv shim.
const PYTHON = '/usr/bin/python3';
const QGIS_SCRIPT = path.join(ROOT, 'tests/gis/qgis_vector_tiles.py');

type Tile = { z: number; x: number; y: number };
const fill = (template: string, t: Tile) => template.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y));

/** `Feature Count: N` of each layer in ogrinfo's summary. */
function featureCounts(summary: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of summary.matchAll(/Layer name: (\S+)[\s\S]*?Feature Count: (\d+)/g)) out[m[1]] = Number(m[2]);
  return out;
}

describe('GIS clients read the vector tiles (postgres)', () => {
  let server: TestServer;
  let token: string;
  let busy: Tile;
  const dir = path.join(TMP, `gis-tiles-${process.pid}`);

  beforeAll(async () => {
    server = await startTestServer({ backend: 'postgres' });
    token = await login(server.url, 'leader');
    fs.mkdirSync(dir, { recursive: true });
    const [c] = await server.db.query<{ lon: number; lat: number }>(
      `SELECT ST_X(c) AS lon, ST_Y(c) AS lat FROM (SELECT ST_Centroid(ST_Collect(geom)) AS c FROM compounds) AS x`,
    );
    busy = tileOf(c.lon, c.lat, 14);
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The layer's TileJSON fetched with the token as a parameter, as a desktop GIS would. */
  const tileJson = async (layer: string) => (await fetch(`${server.url}/tiles/${layer}.json?token=${token}`)).json();
  /** The tile as our reference decoder reads it. */
  const reference = async (url: string, layer: string, t: Tile) => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { bytes, features: decodeTile(bytes, t.z, t.x, t.y)[layer] ?? [] };
  };

  it.each(['compounds', 'disputes', 'regions'])('GDAL ogrinfo opens a %s tile, saved and straight from the URL, with the same feature count', async (layer) => {
    const url = fill((await tileJson(layer)).tiles[0], busy);
    const { bytes, features } = await reference(url, layer, busy);
    expect(features.length).toBeGreaterThan(0);

    const file = path.join(dir, `${layer}.mvt`);
    fs.writeFileSync(file, bytes);
    const oo = ['-oo', `X=${busy.x}`, '-oo', `Y=${busy.y}`, '-oo', `Z=${busy.z}`];
    const saved = await run(OGRINFO, ['-ro', '-al', '-so', `MVT:${file}`, ...oo]);
    expect(featureCounts(saved.stdout)).toEqual({ [layer]: features.length });

    const direct = await run(OGRINFO, ['-ro', '-al', '-so', `MVT:/vsicurl/${url}`, ...oo]);
    expect(featureCounts(direct.stdout)).toEqual({ [layer]: features.length });
  });

  it('GDAL opens an empty tile (200, zero bytes) as a tile without layers', async () => {
    const res = await fetch(`${server.url}/tiles/compounds/14/0/0.mvt?token=${token}`);
    expect(res.status).toBe(200);
    const file = path.join(dir, 'empty.mvt');
    fs.writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
    expect(fs.statSync(file).size).toBe(0);
    const out = await run(OGRINFO, ['-ro', '-al', '-so', `MVT:${file}`, '-oo', 'X=0', '-oo', 'Y=0', '-oo', 'Z=14']);
    expect(featureCounts(out.stdout)).toEqual({});
  });

  it.each(['compounds', 'regions'])('QGIS loads the %s TileJSON template as a vector-tile layer and decodes the same features', async (layer) => {
    const tj = await tileJson(layer);
    const template: string = tj.tiles[0];
    const fields = Object.keys(tj.vector_layers[0].fields);
    const { features } = await reference(fill(template, busy), layer, busy);

    const { stdout } = await run(PYTHON, [QGIS_SCRIPT, template, String(busy.z), String(busy.x), String(busy.y), layer, fields.join(',')], {
      env: { ...process.env, QT_QPA_PLATFORM: 'offscreen', XDG_RUNTIME_DIR: dir },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
    });
    const qgis = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(qgis).toMatchObject({ valid: true, errors: [] });
    // QGIS asked for this one tile only, and decoded every feature of it with our attribute values.
    expect(Object.keys(qgis.tiles)).toEqual([`${busy.z}/${busy.x}/${busy.y}`]);
    const decoded: Array<Record<string, unknown>> = qgis.tiles[`${busy.z}/${busy.x}/${busy.y}`][layer];
    expect(decoded.length).toBe(features.length);
    const key = layer === 'regions' ? 'code' : 'id';
    expect(decoded.map((f) => f[key]).sort()).toEqual(features.map((f) => f.properties[key]).sort());
    const ours = new Map(features.map((f) => [f.properties[key], f.properties]));
    for (const f of decoded) {
      const { _wkt, ...attributes } = f;
      expect(String(_wkt)).toMatch(layer === 'regions' ? /^(Multi)?Polygon/ : /^Point/);
      // Attributes absent from a feature (NULL in the database) decode as NULL in QGIS.
      const expected = Object.fromEntries(fields.map((n) => [n, ours.get(f[key] as string)![n] ?? null]));
      expect(attributes).toEqual(expected);
    }
  });
});
