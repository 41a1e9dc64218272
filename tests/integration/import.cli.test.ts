// `npm run import` as a child process against a real database of each backend (embedded: DATA_DIR of a test
// database copy; postgres: DATABASE_URL); nothing mocked. Exit codes, output and the rows written are checked.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import type { Db } from '../../server/src/db/db.js';
import { ROOT } from '../helpers/templates.js';

/** Each run starts tsx and opens a database (embedded: a WebAssembly Postgres); the 2-core machines are shared. */
const SLOW = 300_000;
const fixture = (name: string) => path.join(ROOT, 'tests/fixtures/imports', name);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository with the test database's environment. */
function run(command: string, args: string[], env: Record<string, string | undefined>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI as `npm run import` runs it, less npx's start-up. */
const importCli = (args: string[], env: Record<string, string | undefined>) =>
  run(process.execPath, ['--import', 'tsx', 'server/src/importers/import.cli.ts', ...args], env);

interface Counts {
  compounds: number;
  events: number;
}

// Usage errors are found before any database is opened, so once is enough: the embedded data directory the CLI
// is pointed at stays empty.
describe('npm run import with bad arguments', () => {
  it('answers unknown flags, bad values and missing arguments with the usage and exit 2, touching nothing', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-cli-usage-'));
    try {
      const cases = [
        [fixture('compounds.geojson'), '--layer', 'compounds', '--colour', 'red'],
        [fixture('compounds.geojson'), '--layer', 'compounds', '--crs', 'mars'],
        [fixture('compounds.geojson'), '--layer', 'compounds', '--encoding', 'latin1'],
        [fixture('compounds.geojson'), '--layer', 'unicorns'],
        [fixture('compounds.geojson'), '--layer', 'regions'],
        [fixture('compounds.geojson')],
        ['--layer', 'compounds'],
        ['no-such-file.geojson', '--layer', 'compounds'],
      ];
      const results = await Promise.all(cases.map((args) => importCli(args, { DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' })));
      results.forEach((res, i) => {
        expect({ args: cases[i], code: res.code }).toEqual({ args: cases[i], code: 2 });
        expect(res.stderr).toContain('Usage: npm run import -- FILE --layer LAYER');
      });
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, SLOW);
});

describe.each(BACKENDS)('npm run import on %s', (backend) => {
  let database: TestDatabase;
  let env: Record<string, string | undefined>;
  const cli = (...args: string[]) => importCli(args, env);
  /** Reads the database with the CLI not running (the embedded database is single-process). */
  const read = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    const db = await openTestDb(database);
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  const countsIn = async (db: Db) => (await db.query<Counts>(`SELECT (SELECT count(*) FROM compounds) AS compounds, (SELECT count(*) FROM events) AS events`))[0];
  /**
   * The counts as last read: only this file's CLI runs write to its database, so each test starts from them and
   * needs one read after its run (an embedded open is a WebAssembly Postgres start).
   */
  let known: Counts;
  const counts = async () => (known = await read(countsIn));

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    // DATABASE_URL unset = the embedded database under DATA_DIR (API.md "Configuration").
    env = { DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl ?? '', LOG_LEVEL: 'warn' };
    await counts();
  });
  afterAll(() => database?.drop());

  it('imports a good file: exit 0, a committed report, the rows and one event written', async () => {
    const before = known;
    const res = await cli(fixture('compounds-cgcs2000-gbk.zip'), '--layer', 'compounds');
    expect(res.stderr).not.toMatch(/failed|Error/);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('compounds-cgcs2000-gbk.zip → compounds: shapefile, cgcs2000, 6 rows read');
    expect(res.stdout).toMatch(/Committed \(event seq \d+\): 6 imported/);
    // stderr is not a terminal here: plain progress lines, no bar redraws.
    expect(res.stderr).toContain('validating in PostGIS');
    const [after, event] = await read(async (db) => [await countsIn(db), (await db.query(`SELECT actor, layer, after FROM events ORDER BY seq DESC LIMIT 1`))[0]] as const);
    known = after;
    expect(after).toEqual({ compounds: before.compounds + 6, events: before.events + 1 });
    expect(event).toMatchObject({ actor: expect.stringMatching(/^cli:/), layer: 'import', after: { layer: 'compounds', count: 6, crs: 'cgcs2000', file: 'compounds-cgcs2000-gbk.zip' } });
  }, SLOW);

  it('rejects a broken file: prints every bad row, exits 1, writes nothing', async () => {
    const before = known;
    const res = await cli(fixture('compounds-broken.csv'), '--layer', 'compounds');
    expect(res.code).toBe(1);
    for (const row of [2, 3, 4, 5, 6, 7, 8]) expect(res.stdout).toMatch(new RegExp(`^  row ${row}: .+`, 'm'));
    expect(res.stdout).toContain('row 6: unknown kind "castle"');
    expect(res.stdout).toContain('row 7: outside the district');
    expect(res.stdout).toContain('Rejected: 7 of 9 rows are bad; nothing was written');
    expect(await counts()).toEqual(before);
  }, SLOW);

  it('with --skip-bad writes only the good rows (through the package script)', async () => {
    const before = known;
    const res = await run('npm', ['run', '--silent', 'import', '--', fixture('compounds-broken.csv'), '--layer', 'compounds', '--skip-bad'], env);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('2 imported');
    expect(res.stdout).toContain('7 bad rows skipped');
    expect(await counts()).toEqual({ compounds: before.compounds + 2, events: before.events + 1 });
  }, SLOW);

  it('refuses a hostile archive with its reason and exit 1', async () => {
    const before = known;
    const res = await cli(fixture('hostile-traversal.zip'), '--layer', 'compounds');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/hostile-traversal\.zip: .*(path|travers)/i);
    expect(await counts()).toEqual(before);
  }, SLOW);

  it.runIf(backend === 'embedded')('says clearly that the server holds the embedded database, and exits 1', async () => {
    const db = await openTestDb(database); // this process now holds the embedded database, as a server would
    try {
      const res = await cli(fixture('compounds.geojson'), '--layer', 'compounds');
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`is in use by process ${process.pid}`);
    } finally {
      await db.close();
    }
  }, SLOW);
});
