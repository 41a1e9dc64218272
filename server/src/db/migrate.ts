import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from './db.js';

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../migrations');

export class MigrationError extends Error {}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** The numbered plain-SQL files (`NNN_what.sql`), in order. */
export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

// Any constant works: it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK = 4101050001;

/**
 * Applies pending migrations forward-only, each in its own transaction together with its record, and refuses
 * (MigrationError) when an applied file was edited or removed: the database would no longer match the files.
 * Returns the names applied now.
 */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readMigrations(dir);
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  await verifyMigrations(db, files);
  const applied: string[] = [];
  for (const file of files) {
    const done = await db.transaction(async (tx) => {
      // Several server processes may start at once against one PostgreSQL: serialise them here.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const [row] = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE name = $1', [file.name]);
      if (row) return false;
      await tx.exec(file.sql);
      await tx.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
      return true;
    });
    if (done) applied.push(file.name);
  }
  return applied;
}

async function verifyMigrations(db: Db, files: MigrationFile[]): Promise<void> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const rows = await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations ORDER BY name');
  for (const row of rows) {
    const file = byName.get(row.name);
    if (!file) {
      throw new MigrationError(`Migration ${row.name} was applied to this database but its file is missing from migrations/.`);
    }
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.name} was edited after it was applied (checksum ${row.checksum.slice(0, 12)}… ≠ ` +
          `${file.checksum.slice(0, 12)}…). Migrations are forward-only: restore the file and add a new numbered migration.`,
      );
    }
  }
}
