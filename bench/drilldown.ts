/**
 * `npx tsx bench/drilldown.ts [--quick] [--scale 1,10,100] [--n N] [--out FILE]`: the drill-down reads of the leader
 * and wall pages — `GET /api/stats?region=…` and `GET /api/regions/:code/children.geojson` — at district, street and
 * community level, on the sample district scaled 1×, 10×, 100×.
 *
 * Goal (issue 9): p50 ≤ 50 ms at 10×; at 100× ≤ 3 × the cost at 1× (the baseline, measured in the same run).
 *
 * What runs: one throwaway PostgreSQL 15 + PostGIS cluster (fsync off: the writes here are only there to move the
 * event seq); per scale a database loaded with geodata/jinshui or geodata/scaled/x<N> (generated when missing:
 * `npm run geodata -- --scale N`) by the server's own migrate + loadSample, and the real server (server/src/main.ts,
 * DATABASE_URL) on it. The leader (whole district) reads; the street and community are those holding the most
 * compounds. Roll-ups are cached per event seq (regions.service.ts RollupCache), so two figures per request:
 *   cold  — the first request after a write (a real PATCH of one compound's status by its grid coordinator), the
 *           roll-up computed in PostgreSQL;
 *   warm  — the same request again with no write in between (served from the cache).
 * One keep-alive connection, one request at a time, `Accept-Encoding: gzip` (as a browser), times from send to the
 * last byte. Each write is awaited and followed by 20 ms of quiet before the timed request.
 *
 * Writes bench/RESULTS-drilldown.md (overwritten) and .tmp/bench/summary-drilldown.json (bench/suite.ts).
 * Exits non-zero only on errors, not on a missed target.
 *
 * Options:
 *   --quick      scales 1,10 and N = 10 (the 100× target is then not checked)
 *   --scale      comma-separated scales (default 1,10,100; the first is the baseline)
 *   --n N        cold and warm samples per request (default 30)
 *   --out FILE   results file (default bench/RESULTS-drilldown.md)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDb } from '../server/src/db/db.js';
import { migrate } from '../server/src/db/migrate.js';
import { loadSample } from '../server/src/sample/sample.loader.js';
import { ROOT, WORK, cleanupAll, cleanupOnExit, login, machine, percentiles, pickCompounds, startPostgres, startRealServer, type PgCluster, type Percentiles } from './fanout.js';
import { machineCpu } from './proc.js';
import { fmt, writeSummary, type SummaryRow } from './summary.js';

const DEMO_PASSWORD = 'bench-demo-password';
const DISTRICT = '410105';
const GOAL = { p50AtTen: 50, hundredOverOne: 3 };

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'string' },
    n: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench/RESULTS-drilldown.md') },
  },
});
const scales = (opts.scale ?? (opts.quick ? '1,10' : '1,10,100')).split(',').map(Number);
const samples = Number(opts.n ?? (opts.quick ? 10 : 30));
if (scales.some((s) => !Number.isInteger(s) || s < 1) || !(Number.isInteger(samples) && samples >= 3)) throw new Error('--scale N[,N…] (positive integers), --n N (≥ 3)');
const outFile = path.resolve(opts.out!);
const command = `npx tsx bench/drilldown.ts ${process.argv.slice(2).join(' ')}`.trim();
const log = (s: string) => console.log(s);

cleanupOnExit();

type Level = 'district' | 'street' | 'community';
type Endpoint = 'stats' | 'children';
interface Cell {
  scale: number;
  level: Level;
  code: string;
  endpoint: Endpoint;
  bytes: number;
  cold: Percentiles;
  warm: Percentiles;
}

function sampleDir(scale: number): string {
  const dir = scale === 1 ? path.join(ROOT, 'geodata/jinshui') : path.join(ROOT, `geodata/scaled/x${scale}`);
  if (!fs.existsSync(path.join(dir, 'meta.json'))) {
    log(`generating the ${scale}× district (npm run geodata -- --scale ${scale}) …`);
    execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'geodata/generate.ts'), '--scale', String(scale)], { stdio: 'inherit', cwd: ROOT });
  }
  return dir;
}

function get(agent: http.Agent, url: string, token: string): Promise<{ status: number; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, body });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const NEXT: Record<string, string> = { normal: 'pending', pending: 'in_progress', in_progress: 'pending', done: 'in_progress', verified: 'pending' };

async function loadScale(cluster: PgCluster, scale: number): Promise<{ url: string; counts: Record<string, number>; loadS: number }> {
  const dir = sampleDir(scale);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { counts: Record<string, number> };
  const db = `jinshui_drill_x${scale}`;
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = cluster.url(db);
  fs.mkdirSync(WORK, { recursive: true });
  const t0 = Date.now();
  const handle = await openDb({ databaseUrl: url, dataDir: WORK });
  await migrate(handle);
  await loadSample(handle, { sampleDir: dir, demoPassword: DEMO_PASSWORD });
  // As autovacuum leaves a table some time after a bulk load: statistics, and the visibility map that lets the
  // roll-ups count from their covering indexes alone (migrations/010).
  await handle.exec('VACUUM ANALYZE');
  await handle.close();
  return { url, counts: meta.counts, loadS: (Date.now() - t0) / 1000 };
}

/** The street and the community holding the most compounds (ties by code): the heaviest drill-down below the district. */
async function busiest(url: string): Promise<Record<Level, string>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const pick = async (len: number) =>
      (await c.query<{ code: string }>(`SELECT left(region_code, $1) AS code FROM compounds WHERE length(region_code) >= $1 GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, [len])).rows[0].code;
    return { district: DISTRICT, street: await pick(9), community: await pick(12) };
  } finally {
    await c.end();
  }
}

async function benchScale(cluster: PgCluster, scale: number): Promise<{ cells: Cell[]; counts: Record<string, number>; loadS: number; busyPct: number }> {
  const { url: databaseUrl, counts, loadS } = await loadScale(cluster, scale);
  log(`${scale}×: loaded in ${loadS.toFixed(0)} s`);
  const server = await startRealServer({ databaseUrl, demoPassword: DEMO_PASSWORD });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const cpuFrom = machineCpu();
  try {
    const token = await login(server.url, 'leader', DEMO_PASSWORD);
    const [item] = await pickCompounds(databaseUrl, server.url, DEMO_PASSWORD, 1);
    const write = async () => {
      const res = await fetch(`${server.url}/api/layers/compounds/${item.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${item.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: NEXT[item.status], version: item.version }),
      });
      if (!res.ok) throw new Error(`PATCH: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { feature: { properties: { version: number; status: string } } };
      item.version = body.feature.properties.version;
      item.status = body.feature.properties.status;
      await sleep(20);
    };
    const codes = await busiest(databaseUrl);
    const cells: Cell[] = [];
    for (const level of ['district', 'street', 'community'] as const) {
      for (const endpoint of ['stats', 'children'] as const) {
        const code = codes[level];
        const target = endpoint === 'stats' ? `${server.url}/api/stats?region=${code}` : `${server.url}/api/regions/${code}/children.geojson`;
        const once = async () => {
          const t0 = process.hrtime.bigint();
          const res = await get(agent, target, token);
          const elapsed = ms(t0);
          if (res.status !== 200) throw new Error(`GET ${target}: ${res.status} ${res.body.toString().slice(0, 200)}`);
          return { elapsed, bytes: res.bytes };
        };
        // Warm-up: connection, server code paths, PostgreSQL buffers.
        for (let i = 0; i < 3; i++) {
          await write();
          await once();
        }
        const cold: number[] = [];
        const warm: number[] = [];
        let bytes = 0;
        for (let i = 0; i < samples; i++) {
          await write();
          const c = await once();
          cold.push(c.elapsed);
          bytes = c.bytes;
          warm.push((await once()).elapsed);
        }
        const cell: Cell = { scale, level, code, endpoint, bytes, cold: percentiles(cold.sort((a, b) => a - b)), warm: percentiles(warm.sort((a, b) => a - b)) };
        cells.push(cell);
        log(`  ${scale}× ${level} ${code} ${endpoint}: cold p50 ${fmt(cell.cold.p50)} p95 ${fmt(cell.cold.p95)} ms; warm p50 ${fmt(cell.warm.p50)} ms; ${bytes} bytes`);
      }
    }
    const cpuTo = machineCpu();
    return { cells, counts, loadS, busyPct: (100 * (cpuTo.busy - cpuFrom.busy)) / Math.max(1, cpuTo.total - cpuFrom.total) };
  } finally {
    agent.destroy();
    await server.stop();
    const admin = new pg.Client({ connectionString: cluster.url('postgres') });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS jinshui_drill_x${scale}`);
    await admin.end();
  }
}

async function main() {
  const m = machine();
  const startedAt = new Date();
  log(`bench/drilldown: ${m.nproc} CPUs (${m.cpuModel}), node ${m.node}; scales ${scales.join(', ')}; ${samples} samples`);
  const loadavg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cluster = await startPostgres({ durable: false });
  const perScale: Awaited<ReturnType<typeof benchScale>>[] = [];
  for (const scale of scales) perScale.push(await benchScale(cluster, scale));
  cluster.stop();
  const cells = perScale.flatMap((s) => s.cells);
  const base = scales[0];
  const find = (scale: number, level: Level, endpoint: Endpoint) => cells.find((c) => c.scale === scale && c.level === level && c.endpoint === endpoint)!;

  // Summary rows: the worst cold p50 at 10× against 50 ms; the worst cold-p50 ratio at the largest scale against the baseline.
  const rows: SummaryRow[] = [];
  if (scales.includes(10)) {
    const at10 = cells.filter((c) => c.scale === 10);
    const worst = at10.reduce((a, b) => (b.cold.p50 > a.cold.p50 ? b : a));
    const baseline = find(base, worst.level, worst.endpoint);
    rows.push({
      what: `worst cold p50 at 10× (${worst.endpoint}, ${worst.level})`,
      measured: `${fmt(worst.cold.p50, 1)} ms`,
      baseline: `${fmt(baseline.cold.p50, 1)} ms at ${base}×`,
      ratio: worst.cold.p50 / baseline.cold.p50,
      target: `≤ ${GOAL.p50AtTen} ms`,
      met: worst.cold.p50 <= GOAL.p50AtTen,
    });
    const worstWarm = at10.reduce((a, b) => (b.warm.p50 > a.warm.p50 ? b : a));
    rows.push({
      what: `worst warm p50 at 10× (${worstWarm.endpoint}, ${worstWarm.level})`,
      measured: `${fmt(worstWarm.warm.p50, 1)} ms`,
      baseline: `${fmt(find(base, worstWarm.level, worstWarm.endpoint).warm.p50, 1)} ms at ${base}×`,
      ratio: worstWarm.warm.p50 / find(base, worstWarm.level, worstWarm.endpoint).warm.p50,
      target: `≤ ${GOAL.p50AtTen} ms`,
      met: worstWarm.warm.p50 <= GOAL.p50AtTen,
    });
  }
  const top = Math.max(...scales);
  if (top !== base) {
    const ratios = cells.filter((c) => c.scale === top).map((c) => ({ c, r: c.cold.p50 / find(base, c.level, c.endpoint).cold.p50 }));
    const worst = ratios.reduce((a, b) => (b.r > a.r ? b : a));
    rows.push({
      what: `worst cold p50 at ${top}× vs ${base}× (${worst.c.endpoint}, ${worst.c.level})`,
      measured: `${fmt(worst.c.cold.p50, 1)} ms`,
      baseline: `${fmt(find(base, worst.c.level, worst.c.endpoint).cold.p50, 1)} ms`,
      ratio: worst.r,
      target: top === 100 ? `≤ ${GOAL.hundredOverOne} × at 100×` : `(≤ ${GOAL.hundredOverOne} × is for 100×)`,
      met: top === 100 && base === 1 ? worst.r <= GOAL.hundredOverOne : null,
    });
  }
  writeSummary({ scenario: 'drilldown', results: path.relative(ROOT, outFile), quick: opts.quick!, rows });

  const table = cells
    .map((c) => {
      const b = find(base, c.level, c.endpoint);
      return `| ${c.scale}× | ${c.level} ${c.code} | ${c.endpoint === 'stats' ? '/api/stats' : 'children.geojson'} | ${c.bytes} | ${fmt(c.cold.p50)} | ${fmt(c.cold.p95)} | ${fmt(c.warm.p50)} | ${fmt(c.warm.p95)} | ${fmt(c.cold.p50 / b.cold.p50)}× |`;
    })
    .join('\n');
  const data = perScale
    .map((s, i) => `${scales[i]}× (${s.counts.compounds} compounds, ${s.counts.disputes} disputes, ${s.counts.regions} regions; loaded in ${s.loadS.toFixed(0)} s; machine ${fmt(s.busyPct, 0)} % busy while measured)`)
    .join('; ');
  const md = `# Drill-down benchmark: /api/stats and children.geojson

Generated by \`bench/drilldown.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${startedAt.toISOString()}; load average at start ${loadavg} (2 cores shared with other work)
- **Machine:** ${m.nproc} CPUs (${m.cpuModel}), ${m.memGb} GB RAM, Linux ${m.kernel}; Node ${m.node}; ${m.postgres}
- **Data:** ${data}.
- **Method:** the real server on a throwaway PostgreSQL 15 + PostGIS (fsync off), loaded by \`migrate\` + \`loadSample\` +
  \`VACUUM ANALYZE\`; the leader reads; one keep-alive connection, \`Accept-Encoding: gzip\`, send to last byte. **cold** = the
  first request after a write (a PATCH of one compound's status: the roll-up caches are keyed by event seq, so this
  is the uncached cost — the SQL roll-up); **warm** = the same request right after (cache hit). ${samples} samples each
  after 3 warm-up pairs. Street and community: those holding the most compounds.

## Against the goal

Goal (issue 9): p50 ≤ ${GOAL.p50AtTen} ms at 10×; 100× ≤ ${GOAL.hundredOverOne} × the 1× cost (baseline: the same request at ${base}× in this run).

${rows.map((r) => `- ${r.what}: **${r.measured}** (baseline ${r.baseline}${r.ratio === null ? '' : `, ${fmt(r.ratio)}×`}); target ${r.target} — ${r.met === null ? 'report' : r.met ? '**met**' : '**missed**'}`).join('\n')}

| scale | region | request | bytes (gzip) | cold p50 (ms) | cold p95 | warm p50 (ms) | warm p95 | cold p50 vs ${base}× |
|---|---|---|---|---|---|---|---|---|
${table}
`;
  fs.writeFileSync(outFile, md);
  log(`wrote ${path.relative(process.cwd(), outFile)}`);
}

main().catch((err) => {
  console.error(err);
  cleanupAll();
  process.exit(1);
});
