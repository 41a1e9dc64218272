// `kill -9` of a real server process (`tsx server/src/main.ts`) in the middle of a stream of status changes from
// several coordinators, with a live client (the wall's own LiveFeed, lib/api/live.ts) subscribed; then a restart on
// the same port. On both backends: real PostgreSQL + PostGIS, and the embedded PGlite data dir on disk. Nothing mocked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeed } from '../../client/src/lib/api/live.js';
import type { ChangeEvent } from '../../server/src/contract/events.js';
import { BACKENDS, createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import { freePort, startServerProcess, type Proc } from '../helpers/processes.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { pickWriters, waitFor, writeStream } from '../helpers/faults.js';

describe.each(BACKENDS)('kill -9 during a stream of changes (%s)', (backend) => {
  let database: TestDatabase;
  let server: Proc & { url: string };
  let env: Record<string, string>;
  let writers: Awaited<ReturnType<typeof pickWriters>>;
  let startSeq: number;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    // The embedded data dir is single-process: read what the test needs before the server holds it.
    const db = await openTestDb(database);
    writers = await pickWriters(db, 4);
    [{ seq: startSeq }] = await db.query<{ seq: number }>('SELECT coalesce(max(seq), 0) AS seq FROM events');
    await db.close();
    env = {
      DATA_DIR: database.dataDir,
      DEMO_PASSWORD,
      PORT: String(await freePort()),
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    };
    server = await startServerProcess(env);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('keeps every acknowledged change in the database and the event log; the live client catches up without duplicates', { timeout: 300_000 }, async () => {
    expect(writers).toHaveLength(4);
    const token = await login(server.url, 'leader');
    const delivered: number[] = [];
    const feed = new LiveFeed({ origin: server.url, token, region: '410105', since: startSeq, onChange: (c) => delivered.push(c.seq) });
    feed.start();
    try {
      const stream = writeStream(() => server.url, writers);
      await waitFor('20 acknowledged changes', () => stream.acks.length >= 20);
      server.child.kill('SIGKILL');
      await waitFor('the server to die', () => server.child.signalCode === 'SIGKILL');
      const ackedBeforeKill = stream.acks.length;

      server = await startServerProcess(env);
      await waitFor('changes after the restart', () => stream.acks.length >= ackedBeforeKill + 8);
      await stream.stop();
      expect(stream.failures.length).toBeGreaterThan(0); // the kill did cut requests off

      const page = await client(server.url, token).get(`/api/events?since=${startSeq}&limit=1000`);
      expect(page.status).toBe(200);
      const events = page.body.events as ChangeEvent[];
      const seqs = events.map((e) => e.seq);
      // Gap-free and unique: seqs startSeq+1 … last, each once.
      expect(seqs).toEqual(Array.from({ length: page.body.last - startSeq }, (_, i) => startSeq + 1 + i));
      const bySeq = new Map(events.map((e) => [e.seq, e]));
      for (const ack of stream.acks) {
        const event = bySeq.get(ack.seq);
        expect(event, `acknowledged seq ${ack.seq}`).toBeDefined();
        expect([event!.id, event!.after?.status, event!.after?.version]).toEqual([ack.id, ack.status, ack.version]);
      }

      // The live client reconnected by itself and delivered every event exactly once, in order.
      await waitFor('the live client to catch up', () => feed.lastSeq === page.body.last, 20_000);
      expect(delivered).toEqual(seqs);
    } finally {
      feed.stop();
    }

    // In the database itself (the server stopped, so the embedded data dir can be opened): each point's version
    // counts exactly its events — nothing acknowledged lost, no change applied twice.
    await server.stop();
    const db = await openTestDb(database);
    try {
      for (const w of writers) {
        const [row] = await db.query<{ version: number; n: number }>(
          `SELECT c.version, (SELECT count(*) FROM events e WHERE e.layer = 'compounds' AND e.feature_id = c.id AND e.seq > $2) AS n
             FROM compounds c WHERE c.id = $1`,
          [w.id, startSeq],
        );
        expect(row.version - w.version, w.id).toBe(row.n);
      }
    } finally {
      await db.close();
    }
  });
});
