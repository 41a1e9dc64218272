// Real PostGIS on both backends (embedded PGlite and a PostgreSQL server); nothing mocked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationError, migrate, readMigrations } from '../../server/src/db/migrate.js';
import type { Db } from '../../server/src/db/db.js';
import { BACKENDS, createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';

function copyMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

describe.each(BACKENDS)('migrations on %s', (backend) => {
  let database: TestDatabase;
  let db: Db | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await database.drop();
  });

  // Creates a PostGIS database from nothing (~10 s idle on embedded, far more on a loaded 2-core machine).
  it('applies every file in order once, records checksums, and refuses an edited applied file', async () => {
    database = await createTestDatabase(backend, { sample: false });
    db = await openTestDb(database);
    const dir = copyMigrations();
    const files = readMigrations(dir);

    expect(await migrate(db, dir)).toEqual(files.map((f) => f.name));
    const rows = await db.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations ORDER BY name');
    expect(rows).toEqual(files.map((f) => ({ name: f.name, checksum: f.checksum })));
    expect(await migrate(db, dir)).toEqual([]);

    // A new numbered file is applied on the next run, after the others.
    fs.writeFileSync(path.join(dir, '999_test_extra.sql'), 'CREATE TABLE test_extra (id int);');
    expect(await migrate(db, dir)).toEqual(['999_test_extra.sql']);

    // Editing an applied file is refused with a message that names it, and nothing else is applied.
    fs.appendFileSync(path.join(dir, files[0].name), '\n-- edited\n');
    fs.writeFileSync(path.join(dir, '998_never.sql'), 'CREATE TABLE never_applied (id int);');
    const err = await migrate(db, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toContain(files[0].name);
    const [never] = await db.query(`SELECT to_regclass('never_applied') AS t`);
    expect(never.t).toBeNull();
  }, 180_000);
});
