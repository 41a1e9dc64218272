/**
 * `npx tsx bench/writes.ts [--quick]`: the write rate through the HTTP API against bare SQL, on real PostGIS.
 *
 * Goal (issue 9): ≥ 500 acknowledged changes/s through the API, and ≥ 0.5 × bare SQL UPDATE + INSERT at the same
 * concurrency, with the event seqs gap-free.
 *
 * What runs: a throwaway PostgreSQL 15 + PostGIS cluster with its defaults (fsync and synchronous_commit on: every
 * acknowledged write is on disk), loaded with the committed sample by the server's own code; the real server
 * (server/src/main.ts, DATABASE_URL) on it. C workers (default 32), each owning its own compounds, each keeps one
 * request in flight: PATCH /api/layers/compounds/:id as the point's grid coordinator (bearer token, keep-alive),
 * moving it pending ↔ in_progress with the version it last got. The baseline, in the same run and alternating with
 * the API rep by rep: C pg connections, each running the same change as bare SQL — BEGIN; UPDATE the compound
 * (status, version + 1, updated_at); bump the event counter and INSERT the event; COMMIT — the gap-free scheme as
 * it stood before migrations/008 (the counter row locked inside each writing transaction). For information, a
 * second bare variant does the same in one autocommit statement: the best any write that takes the counter inside
 * its own transaction can do (the row lock is held through the commit's WAL flush).
 * At the end: the whole log's seqs are 1..last with no gap, and no event is left unnumbered.
 *
 * Writes bench/RESULTS-writes.md (overwritten). Exits non-zero only on errors, not on a missed target.
 *
 * Options:
 *   --quick       3 reps of 6 s per side (default 5 reps of 15 s)
 *   --reps N      reps per side
 *   --seconds N   length of one rep
 *   --concurrency N  requests in flight (default 32)
 *   --cpu-prof    write a V8 CPU profile of the server to .tmp/bench/profiles (npx tsx bench/profile-summary.ts FILE)
 *   --out FILE    results file (default bench/RESULTS-writes.md)
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { machineCpu, procCpuMs, childPids } from './proc.js';
import { ROOT, WORK, buildDatabase, cleanupAll, cleanupOnExit, machine, percentiles, pickCompounds, refreshItems, startPostgres, startRealServer, type Percentiles } from './fanout.js';
import type { DriverItem } from './driver.js';

const GOAL_RATE = 500;
const GOAL_RATIO = 0.5;
const DEMO_PASSWORD = 'bench-demo-password';
const POINTS_PER_WORKER = 8;

const argv = process.argv.slice(2);
const known = new Set(['quick', 'reps', 'seconds', 'concurrency', 'cpu-prof', 'out']);
for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`unknown option ${a} (see bench/writes.ts)`);
const quick = argv.includes('--quick');
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
};
const reps = option('reps', quick ? 3 : 5);
const seconds = option('seconds', quick ? 6 : 15);
const concurrency = option('concurrency', 32);
const outIdx = argv.indexOf('--out');
const outFile = outIdx >= 0 ? path.resolve(argv[outIdx + 1]) : path.join(ROOT, 'bench/RESULTS-writes.md');
const command = `npx tsx bench/writes.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;

const log = (s: string) => console.log(s);
const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

cleanupOnExit();
const watchdog = setTimeout(() => {
  console.error('bench/writes: exceeded 30 min, stopping');
  cleanupAll();
  process.exit(2);
}, 30 * 60_000);

/** The next status of a compound that can always move on (pending ↔ in_progress). */
const nextStatus = (s: string) => (s === 'pending' ? 'in_progress' : s === 'in_progress' ? 'pending' : s === 'done' ? 'in_progress' : 'pending');

interface Rep {
  side: 'api' | 'bare' | 'bare1';
  ok: number;
  failed: number;
  rate: number;
  latency: Percentiles;
  machineBusyPct: number;
  serverCpuPct?: number;
  postgresCpuPct: number;
}

type Worker = (item: DriverItem) => Promise<boolean>;

/** C loops, each over its own items, for `seconds`: acknowledged changes, failures and per-change latency. */
async function drive(items: DriverItem[], write: Worker): Promise<{ ok: number; failed: number; elapsedS: number; latencies: number[] }> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const mine = items.filter((_, i) => i % concurrency === w);
      for (let n = 0; performance.now() < end; n++) {
        const item = mine[n % mine.length];
        const t = performance.now();
        if (await write(item)) {
          ok++;
          latencies.push(performance.now() - t);
        } else failed++;
      }
    }),
  );
  return { ok, failed, elapsedS: (performance.now() - t0) / 1000, latencies };
}

function patch(agent: http.Agent, url: string, item: DriverItem, errors: string[]): Promise<boolean> {
  const body = JSON.stringify({ status: nextStatus(item.status), version: item.version });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/layers/compounds/${item.id}`,
      { method: 'PATCH', agent, headers: { authorization: `Bearer ${item.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) {
            if (errors.length < 5) errors.push(`${res.statusCode} ${text.slice(0, 200)}`);
            return resolve(false);
          }
          const { feature } = JSON.parse(text) as { feature: { properties: { status: string; version: number } } };
          item.status = feature.properties.status;
          item.version = feature.properties.version;
          resolve(true);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The bare change: the same row update and an event with the same counter, in one transaction per change. */
const BARE_UPDATE = `UPDATE compounds SET status = CASE status WHEN 'pending' THEN 'in_progress' ELSE 'pending' END,
                            version = version + 1, updated_at = clock_timestamp()
                      WHERE id = $1 RETURNING status, version, region_code, name`;
const BARE_EVENT = `WITH next AS (UPDATE event_seq SET last = last + 1 RETURNING last)
  INSERT INTO events (seq, actor, layer, feature_id, region_code, region_path, op, before, after)
  SELECT next.last, 'bench', 'compounds', $1, $2::text, COALESCE(region_path($2::text), '{}'), 'update', $3::jsonb, $4::jsonb FROM next`;
const BARE_ONE = `WITH u AS (${BARE_UPDATE}),
  next AS (UPDATE event_seq SET last = last + 1 RETURNING last)
  INSERT INTO events (seq, actor, layer, feature_id, region_code, region_path, op, before, after)
  SELECT next.last, 'bench', 'compounds', $1, u.region_code, COALESCE(region_path(u.region_code), '{}'), 'update',
         jsonb_build_object('status', CASE u.status WHEN 'pending' THEN 'in_progress' ELSE 'pending' END, 'version', u.version - 1),
         jsonb_build_object('status', u.status, 'version', u.version, 'name', u.name) FROM next, u`;

async function bareWorker(clients: pg.Client[], oneStatement: boolean): Promise<Worker> {
  const free = [...clients];
  return async (item) => {
    const c = free.pop()!;
    try {
      if (oneStatement) {
        await c.query(BARE_ONE, [item.id]);
        return true;
      }
      await c.query('BEGIN');
      const {
        rows: [u],
      } = await c.query<{ status: string; version: number; region_code: string; name: string }>(BARE_UPDATE, [item.id]);
      await c.query(BARE_EVENT, [
        item.id,
        u.region_code,
        JSON.stringify({ status: nextStatus(u.status), version: u.version - 1 }),
        JSON.stringify({ status: u.status, version: u.version, name: u.name }),
      ]);
      await c.query('COMMIT');
      return true;
    } finally {
      free.push(c);
    }
  };
}

async function main() {
  const m = machine();
  const startedAt = new Date();
  log(`bench/writes: ${m.nproc} CPUs (${m.cpuModel}), node ${m.node}; ${reps} reps × ${seconds} s per side, ${concurrency} in flight`);
  const cluster = await startPostgres({ durable: true });
  const databaseUrl = await buildDatabase(cluster, DEMO_PASSWORD);
  const cpuProfDir = argv.includes('--cpu-prof') ? path.join(WORK, 'profiles') : undefined;
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  const server = await startRealServer({ databaseUrl, demoPassword: DEMO_PASSWORD, cpuProfDir });
  const items = await pickCompounds(databaseUrl, server.url, DEMO_PASSWORD, concurrency * POINTS_PER_WORKER);
  log(`${items.length} compounds in ${new Set(items.map((i) => i.token)).size} grids, each PATCHed by its grid's coordinator`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      return c;
    }),
  );
  const errors: string[] = [];
  const api: Worker = (item) => patch(agent, server.url, item, errors);
  const bare = await bareWorker(clients, false);
  const bare1 = await bareWorker(clients, true);

  // PostgreSQL's CPU: the postmaster, its live backends, and (cutime + cstime) those that exited.
  const postgresCpuMs = () => {
    const f = fs.readFileSync(`/proc/${cluster.postmaster}/stat`, 'utf8').split(') ')[1].split(' ');
    const exited = ((Number(f[13]) + Number(f[14])) * 1000) / 100;
    return procCpuMs(cluster.postmaster) + exited + childPids(cluster.postmaster).reduce((sum, pid) => sum + procCpuMs(pid), 0);
  };
  const run = async (side: Rep['side'], write: Worker): Promise<Rep> => {
    if (side === 'api') await refreshItems(databaseUrl, items);
    const [machineFrom, serverFrom, pgFrom] = [machineCpu(), procCpuMs(server.pid), postgresCpuMs()];
    const r = await drive(items, write);
    const [machineTo, serverTo, pgTo] = [machineCpu(), procCpuMs(server.pid), postgresCpuMs()];
    const wallMs = r.elapsedS * 1000;
    const rep: Rep = {
      side,
      ok: r.ok,
      failed: r.failed,
      rate: r.ok / r.elapsedS,
      latency: percentiles(r.latencies.sort((a, b) => a - b)),
      machineBusyPct: (100 * (machineTo.busy - machineFrom.busy)) / Math.max(1, machineTo.total - machineFrom.total),
      serverCpuPct: side === 'api' ? (100 * (serverTo - serverFrom)) / wallMs : undefined,
      postgresCpuPct: (100 * (pgTo - pgFrom)) / wallMs,
    };
    log(
      `  ${side.padEnd(5)} ${fmt(rep.rate)} changes/s (${rep.ok} ok, ${rep.failed} failed); p50 ${fmt(rep.latency.p50)} p99 ${fmt(rep.latency.p99)} ms; ` +
        `machine ${fmt(rep.machineBusyPct, 0)} % busy${rep.serverCpuPct !== undefined ? `, server ${fmt(rep.serverCpuPct, 0)} % CPU` : ''}, PostgreSQL ${fmt(rep.postgresCpuPct, 0)} % CPU`,
    );
    return rep;
  };

  // Warm-up (JIT, pools, caches), unmeasured.
  await drive(items.slice(0, concurrency), api);
  const results: Rep[] = [];
  for (let i = 0; i < reps; i++) {
    log(`rep ${i + 1}/${reps}`);
    // Alternate which side goes first.
    const order: Array<[Rep['side'], Worker]> = i % 2 ? [['bare', bare], ['api', api], ['bare1', bare1]] : [['api', api], ['bare', bare], ['bare1', bare1]];
    for (const [side, w] of order) results.push(await run(side, w));
  }

  // The whole log, API and bare changes alike: seqs 1..last, nothing left pending.
  const c = clients[0];
  const {
    rows: [check],
  } = await c.query<{ n: string; min: string; max: string; last: string; pending: string; ordered: boolean }>(
    `SELECT count(*) AS n, min(seq) AS min, max(seq) AS max, (SELECT last FROM event_seq) AS last,
            (SELECT count(*) FROM pending_events) AS pending,
            bool_and(at >= prev_at OR prev_at IS NULL) AS ordered
       FROM (SELECT seq, at, lag(at) OVER (ORDER BY seq) AS prev_at FROM events) e`,
  );
  const gapFree = Number(check.n) === Number(check.max) && Number(check.min) === 1 && Number(check.max) === Number(check.last) && Number(check.pending) === 0;
  log(`log: ${check.n} events, seqs ${check.min}..${check.max}, counter ${check.last}, pending ${check.pending}, times in seq order: ${check.ordered} → ${gapFree ? 'gap-free' : 'GAPS'}`);

  const serverLog = server.output();
  agent.destroy();
  await Promise.all(clients.map((cl) => cl.end()));
  await server.stop();
  cluster.stop();
  fs.writeFileSync(outFile, report({ m, startedAt, results, check: { ...check, gapFree }, errors, serverLog }));
  log(`wrote ${path.relative(process.cwd(), outFile)}`);
  if (cpuProfDir) log(`server CPU profile in ${cpuProfDir} (summarise: npx tsx bench/profile-summary.ts <file>)`);
  clearTimeout(watchdog);
}

function report(o: {
  m: ReturnType<typeof machine>;
  startedAt: Date;
  results: Rep[];
  check: { n: string; min: string; max: string; last: string; pending: string; ordered: boolean; gapFree: boolean };
  errors: string[];
  serverLog: string;
}): string {
  const of = (side: Rep['side']) => o.results.filter((r) => r.side === side);
  const med = (side: Rep['side'], f: (r: Rep) => number) => median(of(side).map(f));
  const apiRate = med('api', (r) => r.rate);
  const bareRate = med('bare', (r) => r.rate);
  const ratio = apiRate / bareRate;
  const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');
  const row = (side: Rep['side'], name: string) =>
    `| ${name} | ${fmt(med(side, (r) => r.rate))} | ${of(side)
      .map((r) => fmt(r.rate, 0))
      .join(', ')} | ${fmt(med(side, (r) => r.latency.p50))} | ${fmt(med(side, (r) => r.latency.p99))} | ${of(side).reduce((s, r) => s + r.failed, 0)} | ${fmt(
      med(side, (r) => r.postgresCpuPct),
      0,
    )} % | ${side === 'api' ? `${fmt(med(side, (r) => r.serverCpuPct!), 0)} %` : '—'} | ${fmt(med(side, (r) => r.machineBusyPct), 0)} % |`;
  const warnings = o.serverLog
    .split('\n')
    .filter((l) => /"level":(40|50|60)/.test(l) && !/DEMO ACCOUNTS|No built client/.test(l))
    .slice(0, 5);
  return `# Write-rate benchmark

Generated by \`bench/writes.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${o.startedAt.toISOString()}
- **Machine:** ${o.m.nproc} CPUs (${o.m.cpuModel}), ${o.m.memGb} GB RAM, Linux ${o.m.kernel}; Node ${o.m.node}; ${o.m.postgres}
- **Database:** a throwaway PostgreSQL 15 + PostGIS cluster with its defaults — fsync and synchronous_commit **on**, so
  every acknowledged change is on disk — loaded with the committed sample by \`migrate\` + \`loadSample\`.
- **Method:** ${concurrency} changes in flight for ${seconds} s per rep, ${o.results.length / 3} reps per side, the sides alternating. **API**:
  \`PATCH /api/layers/compounds/:id\` through the real server (\`server/src/main.ts\`), each worker owning
  ${POINTS_PER_WORKER} compounds and writing them as their grid's coordinator (bearer token checked against the database on every
  request; 404/403/409/transition checks, event, fan-out — the whole write), keep-alive HTTP. **Bare**: the same
  compounds over ${concurrency} pg connections — \`BEGIN\`; \`UPDATE compounds\` (status, version + 1, updated_at);
  the counter bump + \`INSERT INTO events\`; \`COMMIT\` — the counter row locked inside each writing transaction, as
  before migrations/008. **Bare, one statement**: the same as one autocommit statement (for information: the
  ceiling of any write that takes the counter inside its own transaction, the row lock held through its WAL flush).
  Rates count acknowledged changes only.

## Against the goal

Goal (issue 9): ≥ ${GOAL_RATE} acknowledged changes/s through the API, and ≥ ${GOAL_RATIO} × bare SQL at the same concurrency; seqs gap-free.

- API median **${fmt(apiRate)} changes/s** — ${verdict(apiRate >= GOAL_RATE)} (≥ ${GOAL_RATE}).
- API / bare = **${fmt(ratio, 2)}×** — ${verdict(ratio >= GOAL_RATIO)} (≥ ${GOAL_RATIO}).
- Event log after the run: ${o.check.n} events, seqs ${o.check.min}..${o.check.max}, counter ${o.check.last}, ${o.check.pending} pending,
  event times non-decreasing in seq order: ${o.check.ordered} — ${o.check.gapFree && o.check.ordered ? '**gap-free**' : '**GAPS**'}.

| side | median changes/s | per rep | p50 latency (ms) | p99 (ms) | failed | PostgreSQL CPU | server CPU | machine busy |
|---|---|---|---|---|---|---|---|---|
${row('api', 'API (PATCH over HTTP)')}
${row('bare', 'bare SQL, one transaction per change')}
${row('bare1', 'bare SQL, one statement per change')}

CPU is % of one core over the rep (PostgreSQL: the postmaster and all its backends). "machine busy" is the share of
all CPU time (${o.m.nproc} CPUs, every process — including other work on the machine) that was busy during the rep.
${o.errors.length ? `\nFirst failed requests:\n\n\`\`\`\n${o.errors.join('\n')}\n\`\`\`\n` : ''}${warnings.length ? `\nServer warnings during the run:\n\n\`\`\`\n${warnings.join('\n')}\n\`\`\`\n` : ''}`;
}

main().catch((err) => {
  console.error(err);
  cleanupAll();
  process.exit(1);
});
