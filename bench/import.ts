/**
 * `npx tsx bench/import.ts [--quick] [--points N] [--reps R] [--out FILE]`: importing points with region assignment
 * through our importer against GDAL.
 *
 * Goal (issue 9): 100,000 points with assignment ≤ 1.5 × `ogr2ogr -f PostgreSQL` + the same assignment SQL.
 *
 * What runs: a throwaway PostgreSQL 15 + PostGIS cluster (PostgreSQL defaults, fsync on) with one database loaded with
 * the 1× sample (migrate + loadSample: the regions that assign), used as the template of a fresh database per run.
 * The file: N compounds as GeoJSON (ST_GeneratePoints inside the district, seeded; id, name, kind, propertyService),
 * in a temp dir. Per rep, alternating which side goes first, each on its own fresh copy of the template:
 *   ours      `node --import tsx server/src/importers/import.cli.ts FILE --layer compounds` (DATABASE_URL): its own
 *             process from start to exit — reading, staging, validation, writing, assign_region() per row;
 *   baseline  `ogr2ogr -f PostgreSQL PG:… FILE -nln ogr_import` (its own process, COPY), then in one transaction
 *             `INSERT INTO compounds … SELECT … FROM ogr_import` — the assign_region() trigger (migrations/001) places
 *             every row, as it does for ours.
 * Both commit the same N compounds (checked: count and the region of every point).
 *
 * Writes bench/RESULTS-import.md and .tmp/bench/summary-import.json (bench/suite.ts). Exits non-zero only on errors.
 *
 * Options:
 *   --quick       N = 20,000 points, 1 rep (the goal is stated for 100,000: the ratio is indicative)
 *   --points N    points in the file (default 100,000)
 *   --reps R      reps per side (default 2)
 *   --out FILE    results file (default bench/RESULTS-import.md)
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT, buildDatabase, cleanupAll, cleanupOnExit, machine, onCleanup, startPostgres, type PgCluster } from './fanout.js';
import { fmt, writeSummary } from './summary.js';

const GOAL_RATIO = 1.5;
const DEMO_PASSWORD = 'bench-demo-password';
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    points: { type: 'string' },
    reps: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench/RESULTS-import.md') },
  },
});
const points = Number(opts.points ?? (opts.quick ? 20_000 : 100_000));
const reps = Number(opts.reps ?? (opts.quick ? 1 : 2));
if (!(Number.isInteger(points) && points > 0 && Number.isInteger(reps) && reps > 0)) throw new Error('--points N, --reps R: positive integers');
const outFile = path.resolve(opts.out!);
const command = `npx tsx bench/import.ts ${process.argv.slice(2).join(' ')}`.trim();
const log = (s: string) => console.log(s);

cleanupOnExit();

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** N compounds inside the district, as a GeoJSON FeatureCollection written by PostGIS. */
async function writeFile(templateUrl: string, file: string): Promise<void> {
  await withClient(templateUrl, async (c) => {
    const { rows } = await c.query<{ doc: string }>(
      `SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
                'type', 'Feature', 'geometry', ST_AsGeoJSON(p.geom, 7)::json,
                'properties', json_build_object('id', 'bench-' || p.path[1], 'name', '楼院 ' || p.path[1],
                  'kind', (ARRAY['commercial', 'unit_owned', 'unmanaged'])[1 + p.path[1] % 3],
                  'propertyService', (ARRAY['none', 'red', 'commercial'])[1 + p.path[1] % 3]))))::text AS doc
         FROM regions AS d, ST_Dump(ST_GeneratePoints(d.geom, $1, 410105)) AS p
        WHERE d.level = 'district'`,
      [points],
    );
    fs.writeFileSync(file, rows[0].doc);
  });
}

async function freshDb(cluster: PgCluster, name: string): Promise<string> {
  await withClient(cluster.url('postgres'), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name}`);
    await c.query(`CREATE DATABASE ${name} TEMPLATE jinshui_bench`);
  });
  return cluster.url(name);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ seconds: number; output: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => child.exitCode === null && child.kill('SIGKILL'));
    let output = '';
    child.stdout.on('data', (d) => (output = (output + d).slice(-10_000)));
    child.stderr.on('data', (d) => (output = (output + d).slice(-10_000)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${output}`));
      else resolve({ seconds, output });
    });
  });
}

async function ours(url: string, file: string): Promise<{ seconds: number }> {
  const { seconds } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/importers/import.cli.ts'), file, '--layer', 'compounds'], {
    ...process.env,
    DATABASE_URL: url,
    DATA_DIR: path.dirname(file),
  });
  return { seconds };
}

async function baseline(url: string, file: string): Promise<{ seconds: number; ogrSeconds: number; assignSeconds: number }> {
  const u = new URL(url);
  const t0 = process.hrtime.bigint();
  const ogr = await run('ogr2ogr', ['-f', 'PostgreSQL', `PG:host=${u.hostname} port=${u.port} user=postgres dbname=${u.pathname.slice(1)}`, file, '-nln', 'ogr_import', '-lco', 'GEOMETRY_NAME=geom']);
  const t1 = process.hrtime.bigint();
  await withClient(url, async (c) => {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO compounds (id, name, status, geom, kind, property_service)
       SELECT id, name, 'normal', geom, kind, propertyservice FROM ogr_import ORDER BY ogc_fid`,
    );
    await c.query('COMMIT');
  });
  const t2 = process.hrtime.bigint();
  return { seconds: Number(t2 - t0) / 1e9, ogrSeconds: ogr.seconds, assignSeconds: Number(t2 - t1) / 1e9 };
}

/** How many bench compounds, and a digest of their regions: both sides must place every point alike. */
async function check(url: string): Promise<{ n: number; digest: string }> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ n: number; digest: string }>(
      `SELECT count(*)::int AS n, md5(string_agg(id || ':' || region_code, ',' ORDER BY id)) AS digest FROM compounds WHERE id LIKE 'bench-%'`,
    );
    return rows[0];
  });
}

async function main() {
  const m = machine();
  const startedAt = new Date();
  const loadavg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const ogrVersion = execFileSync('ogr2ogr', ['--version']).toString().trim();
  log(`bench/import: ${points} points, ${reps} reps; ${ogrVersion}`);
  const cluster = await startPostgres({ durable: true });
  const templateUrl = await buildDatabase(cluster, DEMO_PASSWORD);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-bench-import.'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, `compounds-${points}.geojson`);
  await writeFile(templateUrl, file);
  const fileMb = fs.statSync(file).size / 1e6;
  log(`file: ${path.basename(file)}, ${fmt(fileMb, 1)} MB`);

  const oursS: number[] = [];
  const baseS: { seconds: number; ogrSeconds: number; assignSeconds: number }[] = [];
  const checks = new Set<string>();
  for (let i = 0; i < reps; i++) {
    const sides = i % 2 ? (['base', 'ours'] as const) : (['ours', 'base'] as const);
    for (const side of sides) {
      const url = await freshDb(cluster, `import_${side}`);
      if (side === 'ours') {
        const r = await ours(url, file);
        oursS.push(r.seconds);
        log(`  rep ${i + 1} ours: ${fmt(r.seconds)} s`);
      } else {
        const r = await baseline(url, file);
        baseS.push(r);
        log(`  rep ${i + 1} ogr2ogr + assignment: ${fmt(r.seconds)} s (ogr2ogr ${fmt(r.ogrSeconds)} s, INSERT with assign_region ${fmt(r.assignSeconds)} s)`);
      }
      const c = await check(url);
      if (c.n !== points) throw new Error(`${side}: ${c.n} compounds imported, expected ${points}`);
      checks.add(c.digest);
    }
  }
  cluster.stop();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const o = median(oursS);
  const b = median(baseS.map((x) => x.seconds));
  const ratio = o / b;
  const met = ratio <= GOAL_RATIO;
  writeSummary({
    scenario: 'import',
    results: path.relative(ROOT, outFile),
    quick: opts.quick!,
    rows: [{ what: `import ${points.toLocaleString('en')} points with assignment`, measured: `${fmt(o, 1)} s`, baseline: `${fmt(b, 1)} s (ogr2ogr + SQL)`, ratio, target: `≤ ${GOAL_RATIO} ×`, met }],
  });
  const md = `# Import benchmark: ${points.toLocaleString('en')} points with region assignment

Generated by \`bench/import.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${startedAt.toISOString()}; load average at start ${loadavg} (2 cores shared with other work)
- **Machine:** ${m.nproc} CPUs (${m.cpuModel}), ${m.memGb} GB RAM, Linux ${m.kernel}; Node ${m.node}; ${m.postgres}; ${ogrVersion}
- **File:** ${points.toLocaleString('en')} compounds as GeoJSON (${fmt(fileMb, 1)} MB; ST_GeneratePoints inside the district, seeded), id, name, kind, propertyService.
- **Method:** each side on a fresh copy of a database holding the 1× sample's 7,009 regions (throwaway PostgreSQL 15 +
  PostGIS, defaults: fsync on). **Ours:** \`import.cli.ts FILE --layer compounds\`, the whole process from start to exit.
  **Baseline:** \`ogr2ogr -f PostgreSQL … -nln ogr_import\` (its own process), then one transaction
  \`INSERT INTO compounds … SELECT … FROM ogr_import\`, where the assign_region() trigger places every row as it does
  for ours. Both results checked: ${points.toLocaleString('en')} compounds, ${checks.size === 1 ? 'every point in the same region on both sides' : '**regions differ between the sides**'}.
  ${reps} rep(s) per side, alternating which goes first; medians.

## Against the goal

Goal (issue 9): ≤ ${GOAL_RATIO} × ogr2ogr + the same assignment SQL. ${points === 100_000 ? '' : `(The goal is for 100,000 points; this run used ${points.toLocaleString('en')}.)`}

**Ours ${fmt(o, 2)} s vs baseline ${fmt(b, 2)} s = ${fmt(ratio)}×** — ${met ? '**met**' : '**missed**'}.

| rep | ours (s) | baseline (s) | of which ogr2ogr (s) | of which INSERT + assign_region (s) |
|---|---|---|---|---|
${oursS.map((s, i) => `| ${i + 1} | ${fmt(s)} | ${fmt(baseS[i].seconds)} | ${fmt(baseS[i].ogrSeconds)} | ${fmt(baseS[i].assignSeconds)} |`).join('\n')}
`;
  fs.writeFileSync(outFile, md);
  log(`ours ${fmt(o)} s, baseline ${fmt(b)} s, ratio ${fmt(ratio)}×\nwrote ${path.relative(process.cwd(), outFile)}`);
}

main().catch((err) => {
  console.error(err);
  cleanupAll();
  process.exit(1);
});
