import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openDb, type Db } from '../../server/src/db/db.js';
import { PG_TEMPLATE, TMP, pgUrl, requirePgUrl } from './templates.js';

export type Backend = 'embedded' | 'postgres';
export const BACKENDS: Backend[] = ['embedded', 'postgres'];

export interface TestDatabase {
  backend: Backend;
  /** Set for the postgres backend. */
  databaseUrl?: string;
  /** Data dir of the embedded backend (also used for secrets). */
  dataDir: string;
  /** Removes the database. Close every connection first. */
  drop(): Promise<void>;
}

/**
 * A fresh database of the given backend. `sample` (default) copies the migrated template with the sample
 * district; `sample: false` gives an empty one (for migration tests).
 */
export async function createTestDatabase(backend: Backend, { sample = true } = {}): Promise<TestDatabase> {
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  const dataDir = path.join(TMP, name);
  fs.mkdirSync(dataDir, { recursive: true });
  if (backend === 'postgres') {
    const admin = new pg.Client({ connectionString: requirePgUrl() });
    await admin.connect();
    await admin.query(sample ? `CREATE DATABASE ${name} TEMPLATE ${PG_TEMPLATE}` : `CREATE DATABASE ${name}`);
    await admin.end();
    return {
      backend,
      databaseUrl: pgUrl(name),
      dataDir,
      async drop() {
        const c = new pg.Client({ connectionString: requirePgUrl() });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  if (sample) fs.cpSync(inject('embeddedTemplate'), dataDir, { recursive: true });
  fs.rmSync(path.join(dataDir, 'embedded.lock'), { force: true });
  return { backend, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

export const openTestDb = (t: TestDatabase): Promise<Db> => openDb({ databaseUrl: t.databaseUrl, dataDir: t.dataDir });
