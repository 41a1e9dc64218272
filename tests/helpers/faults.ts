/**
 * Parts the fault tests break on purpose: a PostgreSQL cluster of their own (stopped and started under load —
 * never the suite's shared cluster), a stream of status changes from several coordinators, and polling waits.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../../server/src/db/db.js';
import { client, login } from './api.js';
import { freePort } from './processes.js';
import { PG_TEMPLATE, pgUrl } from './templates.js';

const PGBIN = '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the cluster owner (postgres when we are root, as initdb refuses root). */
function pgRun(bin: string, args: string[]): string {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PGBIN, bin), ...args]] : [path.join(PGBIN, bin), args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface OwnCluster {
  /** URL of the database `app`, a copy of the sample template. */
  databaseUrl: string;
  stop(): void;
  start(): void;
  destroy(): void;
}

/**
 * A throwaway PostGIS cluster owned by one test file, holding `app`: a dump of the suite's migrated sample
 * template restored into it (a few seconds, far less than migrating and loading the sample again).
 */
export async function startOwnCluster(): Promise<OwnCluster> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faults-pg-'));
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  fs.chmodSync(dir, 0o700);
  pgRun('initdb', ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const start = () =>
    void pgRun('pg_ctl', ['-D', dir, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const stop = () => void pgRun('pg_ctl', ['-D', dir, '-m', 'fast', '-w', '-t', '30', 'stop']);
  start();
  const base = `postgres://postgres@127.0.0.1:${port}`;
  execFileSync(path.join(PGBIN, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'app']);
  const dump = path.join(dir, '..', `${path.basename(dir)}.dump`);
  execFileSync(path.join(PGBIN, 'pg_dump'), ['-Fc', '-f', dump, '-d', pgUrl(PG_TEMPLATE)]);
  execFileSync(path.join(PGBIN, 'pg_restore'), ['--no-owner', '-d', `${base}/app`, dump]);
  fs.rmSync(dump, { force: true });
  return {
    databaseUrl: `${base}/app`,
    stop,
    start,
    destroy() {
      try {
        stop();
      } catch {
        /* already stopped */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 50 ms until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Ack {
  seq: number;
  id: string;
  version: number;
  status: string;
}

/** Compounds that go back and forth between `pending` and `in_progress`, one per grid (one coordinator each). */
export async function pickWriters(db: Db, n: number): Promise<{ id: string; version: number; status: string; grid: string }[]> {
  return db.query(
    `SELECT DISTINCT ON (left(region_code, 14)) id, version, status, left(region_code, 14) AS grid
       FROM compounds WHERE status IN ('pending', 'in_progress') ORDER BY left(region_code, 14), id LIMIT $1`,
    [n],
  );
}

const NEXT: Record<string, string> = { pending: 'in_progress', in_progress: 'pending' };

/**
 * Several coordinators PATCH their own compound in a loop until `stop()`; every 200 is recorded as acknowledged.
 * A request that fails (connection refused or cut, 5xx) is not acknowledged: its outcome is unknown to the
 * client, which then reads the point again before going on (as the field outbox would).
 */
export function writeStream(url: () => string, writers: { id: string; version: number; status: string; grid: string }[]) {
  const acks: Ack[] = [];
  const failures: string[] = [];
  let running = true;
  const loops = writers.map(async (w) => {
    const token = await login(url(), `grid-${w.grid}`);
    let { version, status } = w;
    let resync = false;
    while (running) {
      const api = client(url(), token);
      try {
        if (resync) {
          const res = await api.get(`/api/layers/compounds/${w.id}`);
          if (res.status !== 200) throw new Error(`read ${res.status}`);
          ({ version, status } = res.body.properties);
          resync = false;
        }
        const next = NEXT[status];
        const res = await api.patch(`/api/layers/compounds/${w.id}`, { status: next, version, note: 'fault test' });
        if (res.status === 200) {
          acks.push({ seq: res.body.seq, id: w.id, version: res.body.feature.properties.version, status: next });
          version = res.body.feature.properties.version;
          status = next;
        } else {
          failures.push(`${res.status} ${res.body?.error}`);
          resync = true;
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch (err) {
        failures.push((err as Error).message);
        resync = true;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return {
    acks,
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
