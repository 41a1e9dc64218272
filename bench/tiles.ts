/**
 * `npx tsx bench/tiles.ts [--quick]`: vector-tile serving cost against the bare SQL, on the 10× district.
 *
 * Goal (issue 8): a z14 tile over the 10× district: p50 ≤ 1.25 × the bare ST_AsMVT SQL for the same tile run in
 * the same run.
 *
 * What runs: a throwaway PostgreSQL 15 + PostGIS cluster loaded with geodata/scaled/x10 (generated with
 * `npm run geodata -- --scale 10` when missing); the real server (server/src/main.ts, DATABASE_URL) on it; the
 * z14 tiles holding the most compounds. For each tile, N HTTP GETs of /tiles/compounds/14/x/y.mvt (bearer token,
 * keep-alive, no Accept-Encoding) alternate with N runs of the very statement the server runs
 * (tiles.repository.ts pointsMvtSql + tileParams) through a pg.Pool of the server's size. Each sample times one
 * request (or query) from send to the last byte; the order of the pair alternates.
 *
 * Writes bench/RESULTS-tiles.md (overwritten). Exits non-zero only on errors, not on a missed target.
 *
 * Options:
 *   --quick       N = 50 per tile and side, 2 tiles (default N = 300, 3 tiles)
 *   --n N         samples per tile and side
 *   --tiles K     how many of the busiest z14 tiles
 *   --warmup N    unmeasured pairs per tile before measuring (default 20)
 *   --cpu-prof    write a V8 CPU profile of the server to .tmp/bench/profiles (npx tsx bench/profile-summary.ts FILE)
 *   --out FILE    results file (default bench/RESULTS-tiles.md)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { machineCpu } from './proc.js';
import { ROOT, WORK, buildDatabase, cleanupAll, cleanupOnExit, login, machine, percentiles, startPostgres, startRealServer, type Percentiles } from './fanout.js';
import { pointsMvtSql, tileParams, type TileFilter } from '../server/src/tiles/tiles.repository.js';
import { tileBounds } from '../server/src/tiles/tiles.service.js';

const GOAL_RATIO = 1.25;
const DEMO_PASSWORD = 'bench-demo-password';
const SAMPLE_DIR = path.join(ROOT, 'geodata/scaled/x10');
const DISTRICT = '410105';
const Z = 14;
/** The server's pool size (server/src/db/postgres.db.ts). */
const POOL_SIZE = 10;

const argv = process.argv.slice(2);
const known = new Set(['quick', 'n', 'tiles', 'warmup', 'cpu-prof', 'out']);
for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`unknown option ${a} (see bench/tiles.ts)`);
const quick = argv.includes('--quick');
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
};
const samples = option('n', quick ? 50 : 300);
const tileCount = option('tiles', quick ? 2 : 3);
const warmup = option('warmup', 20);
const outIdx = argv.indexOf('--out');
const outFile = outIdx >= 0 ? path.resolve(argv[outIdx + 1]) : path.join(ROOT, 'bench/RESULTS-tiles.md');
const command = `npx tsx bench/tiles.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;

const log = (s: string) => console.log(s);
const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');

cleanupOnExit();
const watchdog = setTimeout(() => {
  console.error('bench/tiles: exceeded 30 min, stopping');
  cleanupAll();
  process.exit(2);
}, 30 * 60_000);

interface TileResult {
  x: number;
  y: number;
  compounds: number;
  bytes: number;
  sameBytes: boolean;
  http: Percentiles;
  sql: Percentiles;
  /** Share of the machine's CPU time busy (all processes, ours included) while this tile was measured. */
  machineBusyPct: number;
}

/** One GET over a keep-alive agent, no Accept-Encoding: the body as the server wrote it. */
function get(agent: http.Agent, url: string, token: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main() {
  const m = machine();
  const startedAt = new Date();
  if (!fs.existsSync(path.join(SAMPLE_DIR, 'meta.json'))) {
    log('generating the 10× district (npm run geodata -- --scale 10) …');
    execFileSync('npm', ['run', 'geodata', '--', '--scale', '10'], { cwd: ROOT, stdio: 'inherit' });
  }
  const meta = JSON.parse(fs.readFileSync(path.join(SAMPLE_DIR, 'meta.json'), 'utf8')) as { counts: Record<string, number> };
  log(`bench/tiles: ${m.nproc} CPUs (${m.cpuModel}), node ${m.node}; ${samples} samples per tile and side, ${tileCount} tiles`);

  const t = Date.now();
  const cluster = await startPostgres({ durable: true });
  const databaseUrl = await buildDatabase(cluster, DEMO_PASSWORD, SAMPLE_DIR);
  log(`10× district loaded in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  const cpuProfDir = argv.includes('--cpu-prof') ? path.join(WORK, 'profiles') : undefined;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  const server = await startRealServer({ databaseUrl, demoPassword: DEMO_PASSWORD, cpuProfDir });
  const token = await login(server.url, 'leader', DEMO_PASSWORD);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: POOL_SIZE });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  // The busiest z14 tiles by compounds, counted in PostGIS from the tile grid.
  const { rows: busiest } = await pool.query<{ x: number; y: number; n: number }>(
    `SELECT floor((ST_X(geom) + 180) / 360 * 2 ^ $1)::int AS x,
            floor((1 - ln(tan(radians(ST_Y(geom))) + 1 / cos(radians(ST_Y(geom)))) / pi()) / 2 * 2 ^ $1)::int AS y,
            count(*)::int AS n
       FROM compounds GROUP BY 1, 2 ORDER BY n DESC, 1, 2 LIMIT $2`,
    [Z, tileCount],
  );

  const results: TileResult[] = [];
  const sql = pointsMvtSql('compounds');
  for (const tile of busiest) {
    const filter: TileFilter = { z: Z, x: tile.x, y: tile.y, bbox: tileBounds(Z, tile.x, tile.y), roots: [DISTRICT] };
    const params = tileParams(filter, true);
    const url = `${server.url}/tiles/compounds/${Z}/${tile.x}/${tile.y}.mvt`;
    const viaHttp = async () => {
      const t0 = process.hrtime.bigint();
      const res = await get(agent, url, token);
      const elapsed = ms(t0);
      if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${res.body.toString().slice(0, 200)}`);
      return { elapsed, body: res.body };
    };
    const viaSql = async () => {
      const t0 = process.hrtime.bigint();
      const { rows } = await pool.query<{ seq: number; tile: Buffer }>(sql, params);
      return { elapsed: ms(t0), body: rows[0].tile };
    };
    for (let i = 0; i < warmup; i++) {
      await viaHttp();
      await viaSql();
    }
    const h: number[] = [];
    const s: number[] = [];
    const cpuFrom = machineCpu();
    let first: { http: Buffer; sql: Buffer } = { http: Buffer.alloc(0), sql: Buffer.alloc(0) };
    for (let i = 0; i < samples; i++) {
      // Alternate which side goes first, so neither always runs right after the other's work.
      if (i % 2) {
        const a = await viaSql();
        const b = await viaHttp();
        s.push(a.elapsed);
        h.push(b.elapsed);
        if (i === 1) first = { http: b.body, sql: a.body };
      } else {
        const b = await viaHttp();
        const a = await viaSql();
        h.push(b.elapsed);
        s.push(a.elapsed);
      }
    }
    const cpuTo = machineCpu();
    const r: TileResult = {
      machineBusyPct: (100 * (cpuTo.busy - cpuFrom.busy)) / Math.max(1, cpuTo.total - cpuFrom.total),
      x: tile.x,
      y: tile.y,
      compounds: tile.n,
      bytes: first.http.length,
      sameBytes: first.http.equals(first.sql),
      http: percentiles(h.sort((a, b) => a - b)),
      sql: percentiles(s.sort((a, b) => a - b)),
    };
    results.push(r);
    log(
      `  z${Z}/${r.x}/${r.y}: ${r.compounds} compounds, ${r.bytes} bytes; HTTP p50 ${fmt(r.http.p50)} p95 ${fmt(r.http.p95)} ms; ` +
        `SQL p50 ${fmt(r.sql.p50)} p95 ${fmt(r.sql.p95)} ms; ratio ${fmt(r.http.p50 / r.sql.p50)}; machine ${fmt(r.machineBusyPct, 0)} % busy`,
    );
  }

  const serverLog = server.output();
  agent.destroy();
  await pool.end();
  await server.stop();
  cluster.stop();

  fs.writeFileSync(outFile, report({ m, startedAt, results, counts: meta.counts, serverLog }));
  log(`wrote ${path.relative(process.cwd(), outFile)}`);
  if (cpuProfDir) log(`server CPU profile in ${cpuProfDir} (summarise: npx tsx bench/profile-summary.ts <file>)`);
  clearTimeout(watchdog);
}

function report(o: { m: ReturnType<typeof machine>; startedAt: Date; results: TileResult[]; counts: Record<string, number>; serverLog: string }): string {
  const worst = Math.max(...o.results.map((r) => r.http.p50 / r.sql.p50));
  const verdict = worst <= GOAL_RATIO ? '**met**' : '**missed**';
  const rows = o.results
    .map(
      (r) =>
        `| ${Z}/${r.x}/${r.y} | ${r.compounds} | ${r.bytes} | ${r.sameBytes ? 'yes' : 'no'} | ${fmt(r.sql.p50)} | ${fmt(r.sql.p95)} | ` +
        `${fmt(r.http.p50)} | ${fmt(r.http.p95)} | ${fmt(r.http.p50 / r.sql.p50)}× | ${fmt(r.http.p50 - r.sql.p50)} | ${fmt(r.machineBusyPct, 0)} % |`,
    )
    .join('\n');
  const warnings = o.serverLog
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l) && !/DEMO ACCOUNTS|No built client/.test(l))
    .slice(0, 5);
  return `# Vector tile benchmark

Generated by \`bench/tiles.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${o.startedAt.toISOString()}
- **Machine:** ${o.m.nproc} CPUs (${o.m.cpuModel}), ${o.m.memGb} GB RAM, Linux ${o.m.kernel}; Node ${o.m.node}; ${o.m.postgres}
- **Data:** the 10× synthetic district (\`geodata/scaled/x10\`: ${Object.entries(o.counts)
    .map(([k, v]) => `${v} ${k.replace('.geojson', '')}`)
    .join(', ')}) in a throwaway PostgreSQL 15 + PostGIS cluster (defaults), loaded by \`migrate\` + \`loadSample\`.
- **Method:** the real server (\`server/src/main.ts\`, \`DATABASE_URL\`) serves \`GET /tiles/compounds/${Z}/x/y.mvt\` to the
  leader (whole district; the account re-read on every request, in the tile's own statement); one keep-alive
  connection, no \`Accept-Encoding\`, one request at a time. "SQL" is the statement the server runs for that tile
  (\`pointsMvtSql\` + \`tileParams\` of \`server/src/tiles/tiles.repository.ts\`: ST_AsMVT over ST_AsMVTGeom, the event
  seq in the same snapshot; the server's statement also reads the account) through a \`pg.Pool\` of the server's size (${POOL_SIZE}). ${samples} samples per side and tile after
  ${warmup} warm-up pairs, HTTP and SQL alternating (and alternating which goes first). Times from send to last byte.

## Against the goal

Goal (issue 8): a z14 tile over the 10× district: p50 ≤ ${GOAL_RATIO} × the bare ST_AsMVT SQL for the same tile.

Worst tile: **HTTP p50 / SQL p50 = ${fmt(worst)}×** — ${verdict}.

| tile | compounds in tile | bytes | same bytes as SQL | SQL p50 (ms) | SQL p95 | HTTP p50 (ms) | HTTP p95 | ratio p50 | HTTP − SQL p50 (ms) | machine busy |
|---|---|---|---|---|---|---|---|---|---|---|
${rows}

"compounds in tile" counts the tile proper; the tile also carries the points in its 64-unit buffer. "machine busy" is
the share of all CPU time (${o.m.nproc} CPUs, every process: this benchmark, the server, PostgreSQL and anything else
running) that was busy while the tile was measured; well above what the benchmark itself needs means other work
competed, which penalises the HTTP path (more processes to schedule per sample) more than the bare SQL.
${warnings.length ? `\nServer warnings during the run:\n\n\`\`\`\n${warnings.join('\n')}\n\`\`\`\n` : ''}`;
}

main().catch((err) => {
  console.error(err);
  cleanupAll();
  process.exit(1);
});
