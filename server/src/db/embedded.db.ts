import fs from 'node:fs';
import path from 'node:path';
import { PGlite, types as pgliteTypes, type Transaction } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { TYPE_OIDS, toIsoTimestamp, toNumber, type Db, type Queryable } from './db.js';

export class EmbeddedDbBusyError extends Error {}

const parsers = {
  [TYPE_OIDS.int8]: toNumber,
  [TYPE_OIDS.numeric]: toNumber,
  [TYPE_OIDS.timestamptz]: toIsoTimestamp,
  [TYPE_OIDS.timestamp]: toIsoTimestamp,
  [pgliteTypes.JSON]: (v: string) => JSON.parse(v),
  [pgliteTypes.JSONB]: (v: string) => JSON.parse(v),
};

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query(sql, params = []) {
      return (await target.query<any>(sql, params as unknown[])).rows;
    },
    async exec(sql) {
      await target.exec(sql);
    },
  };
}

/**
 * PGlite is one Postgres backend inside this process, so it must never be opened by two processes at once.
 * A pid lock file says clearly who holds it (the import CLI reports it instead of corrupting the data dir).
 */
function takeLock(dataDir: string): () => void {
  const lockFile = path.join(dataDir, 'embedded.lock');
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new EmbeddedDbBusyError(
        `The embedded database in ${dataDir} is in use by process ${pid} (probably the server). ` +
          'Stop it first, or set DATABASE_URL to use a PostgreSQL server that several processes can share.',
      );
    }
  } catch (err) {
    if (err instanceof EmbeddedDbBusyError) throw err;
  }
  fs.writeFileSync(lockFile, String(process.pid));
  return () => fs.rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Embedded PostgreSQL + PostGIS (PGlite), persisted under dataDir/pg. */
export async function openEmbedded(dataDir: string): Promise<Db> {
  fs.mkdirSync(dataDir, { recursive: true });
  const releaseLock = takeLock(dataDir);
  let pglite: PGlite;
  try {
    pglite = await PGlite.create({ dataDir: path.join(dataDir, 'pg'), extensions: { postgis }, parsers });
  } catch (err) {
    releaseLock();
    throw err;
  }
  // PGlite serialises statements itself; transaction() holds its lock until commit, so a query issued outside the
  // transaction while it runs simply waits (never deadlocks, unlike pglite-socket + pg.Pool).
  return {
    kind: 'embedded',
    ...wrap(pglite),
    // In-process, a commit has no round trip to save: the transaction simply commits when fn returns.
    transaction: (fn) => pglite.transaction((tx) => fn({ ...wrap(tx), queryAndCommit: (sql, params) => wrap(tx).query(sql, params) })),
    async close() {
      await pglite.close();
      releaseLock();
    },
  };
}
