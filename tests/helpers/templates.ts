/**
 * Test databases are copies of migrated templates holding the sample district, made once per run by
 * global-setup.ts: a PostgreSQL template database (CREATE DATABASE … TEMPLATE is a file copy) and an embedded
 * PGlite data dir (copied as files). Both are real PostGIS; nothing here is mocked.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openDb } from '../../server/src/db/db.js';
import { migrate, readMigrations } from '../../server/src/db/migrate.js';
import { loadSample } from '../../server/src/sample/sample.loader.js';
import { loadConfig } from '../../server/src/config.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** Scratch space of a run; TEST_TMP lets two runs in one checkout keep apart. */
export const TMP = path.resolve(ROOT, process.env.TEST_TMP ?? '.tmp');
export const SAMPLE_DIR = path.join(ROOT, 'geodata/jinshui');
export const DEMO_PASSWORD = 'test-demo-password';
export const PG_TEMPLATE = 'jinshui_template';

export function requirePgUrl(): string {
  const url = process.env.TEST_PG_URL;
  if (!url) {
    throw new Error('TEST_PG_URL is not set: run the suite with `npm test`, which starts a throwaway PostGIS cluster.');
  }
  return url;
}

export const pgUrl = (database: string) => {
  const url = new URL(requirePgUrl());
  url.pathname = `/${database}`;
  return url.toString();
};

/** Changes whenever a migration or a sample file changes, so a cached embedded template is rebuilt. */
function templateKey(): string {
  const h = crypto.createHash('sha256');
  for (const m of readMigrations()) h.update(m.checksum);
  for (const f of fs.readdirSync(SAMPLE_DIR).sort()) h.update(f).update(fs.readFileSync(path.join(SAMPLE_DIR, f)));
  // The loader makes rows of its own too (building-group history, quiet campaign grids).
  h.update(fs.readFileSync(path.join(ROOT, 'server/src/sample/sample.loader.ts')));
  h.update(DEMO_PASSWORD).update(new Date().toISOString().slice(0, 10)); // dates are rebased to the load day
  return h.digest('hex').slice(0, 16);
}

export async function buildPgTemplate(): Promise<void> {
  const admin = new pg.Client({ connectionString: requirePgUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${PG_TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${PG_TEMPLATE}`);
  await admin.end();
  const db = await openDb({ databaseUrl: pgUrl(PG_TEMPLATE), dataDir: TMP });
  await migrate(db);
  await loadSample(db, { sampleDir: SAMPLE_DIR, demoPassword: DEMO_PASSWORD });
  await db.close();
}

/** Returns the cached embedded template dir, building it when migrations or sample changed. */
export async function buildEmbeddedTemplate(): Promise<string> {
  const dir = path.join(TMP, `embedded-template-${templateKey()}`);
  if (fs.existsSync(path.join(dir, 'ready'))) return dir;
  for (const old of fs.existsSync(TMP) ? fs.readdirSync(TMP) : []) {
    if (old.startsWith('embedded-template-')) fs.rmSync(path.join(TMP, old), { recursive: true, force: true });
  }
  const db = await openDb({ dataDir: dir });
  await migrate(db);
  await loadSample(db, { sampleDir: SAMPLE_DIR, demoPassword: DEMO_PASSWORD });
  await db.close();
  fs.writeFileSync(path.join(dir, 'ready'), new Date().toISOString());
  return dir;
}

export const testConfig = (overrides: Parameters<typeof loadConfig>[1]) =>
  loadConfig({ LOG_LEVEL: 'warn', DEMO_PASSWORD }, { port: 0, loadSample: false, ...overrides });
