// DATA_DIR on a full disk, embedded backend: the real server (buildApp) over a copy of the sample PGlite data dir
// on a small tmpfs of its own (mounted here; needs root, as `npm test` runs in CI), filled to the last byte by a
// filler file. Nothing mocked: real ENOSPC from the kernel reaches PGlite and the photo store.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { buildApp } from '../../server/src/app.js';
import { openDb } from '../../server/src/db/db.js';
import { client, login } from '../helpers/api.js';
import { createPng } from '../helpers/photos.js';
import { testConfig } from '../helpers/templates.js';
import { pickWriters, type Ack } from '../helpers/faults.js';

const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-disk-'));
const canMount = (() => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    execFileSync('umount', [mountPoint]);
    return true;
  } catch {
    return false;
  }
})();

const du = (dir: string) => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);

/** Writes until the file system refuses: then not one more byte fits. */
function fill(file: string) {
  const fd = fs.openSync(file, 'w');
  for (const size of [1 << 20, 4096, 1]) {
    const buf = Buffer.alloc(size, 1);
    try {
      for (;;) fs.writeSync(fd, buf);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    }
  }
  fs.closeSync(fd);
}

describe.skipIf(!canMount)('a full disk under DATA_DIR (embedded)', () => {
  const dataDir = path.join(mountPoint, 'data');
  const filler = path.join(mountPoint, 'filler');
  let close: () => Promise<void>;
  let url: string;
  let writers: Awaited<ReturnType<typeof pickWriters>>;

  beforeAll(async () => {
    const template = inject('embeddedTemplate');
    // Room for the data dir and a little growth, no more: the filler takes the rest anyway.
    const size = Math.ceil(du(template) / (1 << 20)) + 32;
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}m`, 'tmpfs', mountPoint]);
    fs.cpSync(template, dataDir, { recursive: true });
    fs.rmSync(path.join(dataDir, 'embedded.lock'), { force: true });
    const { app, db } = await buildApp(testConfig({ dataDir }));
    writers = await pickWriters(db, 2);
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    close = () => app.close();
  });
  afterAll(async () => {
    await close?.().catch(() => {});
    if (canMount) execFileSync('umount', ['-l', mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it('refuses what it cannot store with 507 in the error shape, loses nothing acknowledged, and works again once space is freed', { timeout: 180_000 }, async () => {
    const w = writers[0];
    const token = await login(url, `grid-${w.grid}`);
    const api = client(url, token);
    const acks: Ack[] = [];
    const refusals: { status: number; body: unknown; retryAfter: string | null }[] = [];
    let { version, status } = w;
    const patch = async () => {
      const next = status === 'pending' ? 'in_progress' : 'pending';
      const res = await api.patch(`/api/layers/compounds/${w.id}`, { status: next, version });
      if (res.status === 200) {
        acks.push({ seq: res.body.seq, id: w.id, version: res.body.feature.properties.version, status: next });
        ({ version } = res.body.feature.properties);
        status = next;
      } else {
        refusals.push({ status: res.status, body: res.body, retryAfter: res.headers.get('retry-after') });
      }
      return res.status;
    };
    expect(await patch()).toBe(200);

    fill(filler);
    // A photo needs new blocks: refused, and no half-written file is left behind.
    const photo = await fetch(`${url}/api/layers/compounds/${w.id}/photos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
      body: new Uint8Array(createPng(crypto.randomInt(1e9), 64)),
    });
    expect(photo.status).toBe(507);
    expect(photo.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await photo.json()).toMatchObject({ error: 'insufficient_storage', message: expect.any(String) });
    expect(fs.readdirSync(path.join(dataDir, 'uploads/tmp'))).toEqual([]);

    // Status changes: PostgreSQL writes its WAL into preallocated segments, so some still commit on a full disk;
    // whatever cannot be stored is refused in the error shape — never a 500, never a 200 that is then lost.
    for (let i = 0; i < 40; i++) await patch();
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect([503, 507]).toContain(r.status);
      expect(r.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
      expect(r.retryAfter).toMatch(/^\d+$/);
    }

    fs.rmSync(filler);
    let after = 0;
    for (let i = 0; i < 20 && after !== 200; i++) after = await patch();
    expect(after).toBe(200);
    await close();

    // Every acknowledged change is in the data dir, read back by a fresh PGlite (recovery included).
    const db = await openDb({ dataDir });
    try {
      const [row] = await db.query<{ version: number; n: number; seqs: number[] }>(
        `SELECT c.version, (SELECT array_agg(seq ORDER BY seq) FROM events e WHERE e.layer = 'compounds' AND e.feature_id = c.id) AS seqs,
                (SELECT count(*) FROM events e WHERE e.layer = 'compounds' AND e.feature_id = c.id) AS n
           FROM compounds c WHERE c.id = $1`,
        [w.id],
      );
      expect(row.version).toBe(acks.at(-1)!.version);
      for (const ack of acks) expect(row.seqs).toContain(ack.seq);
      expect(row.version - w.version).toBe(acks.length);
    } finally {
      await db.close();
    }
  });
});
