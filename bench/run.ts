/**
 * `npm run bench -- fanout [options]` (bench/suite.ts): the live-update fan-out benchmark (bench/fanout.ts) against two
 * baselines measured in the same run — a plain Socket.IO server and a bare `ws` broadcast server — plus the same
 * load split over two server processes and Redis; writes bench/RESULTS.md (overwritten) and the raw numbers to
 * .tmp/bench/results.json.
 *
 * Goal (issue 9): one server process on 2 cores, 1,000 subscribed clients, 200 changes/s sustained, p99
 * commit-to-delivery ≤ 50 ms, zero lost, duplicated or out-of-order events; server RSS ≤ 300 MB and flat after
 * the load; two processes + Redis: 0 lost/dup, p99 ≤ 1.5 × one process.
 *
 * Clients subscribe for batched `changes` frames (the dashboard's LiveFeed does); the baselines batch with the same
 * window and frame format. `--per-change` measures one `change` frame per change instead, everywhere.
 *
 * Options:
 *   --quick              CI-sized: 100 clients, 2 s warm-up, 5 s window, 1 repetition
 *   --per-change         clients subscribe for `change` (one frame per change); baselines do not batch
 *   --no-cluster         skip the 2 processes + Redis scenario
 *   --no-feed            skip the fan-out-only scenario (a fresh server fed by bench/peer-feeder.ts over Redis,
 *                        as from a peer process: no database writes)
 *   --clients N          subscribed clients                    (default 1000)
 *   --sio-clients N      how many of them are real socket.io-client clients; the others are
 *                        bench/light-client.ts (same protocol, cheap decoding)  (default a tenth)
 *   --rate R             changes per second                    (default 200)
 *   --duration S         measured window, seconds              (default 60)
 *   --warmup S           load before the window, seconds       (default 3)
 *   --reps N             repetitions of every scenario, order alternated (default 1; medians are reported)
 *   --concurrency N      HTTP requests in flight at most       (default 32)
 *   --compounds N        compounds cycled by the driver        (default 400)
 *   --wait-quiet S       before each scenario, wait up to S s for the machine to be idle (default 120;
 *                        0 with --quick); the run still goes ahead, and RESULTS.md shows other load
 *   --priority N         nice value of every benchmark process, e.g. -10 (root) on a machine shared with
 *                        other work (default 0)
 *   --pg-fast            PostgreSQL with fsync/synchronous_commit/full_page_writes off (as the tests)
 *   --baseline-recovery  baseline with the server's connectionStateRecovery (default: plain Socket.IO)
 *   --baseline-batch-ms N  the baselines send the changes of every N ms as one `changes` frame (default: the
 *                        server's 20 ms window; 0 with --per-change)
 *   --cpu-prof           write a V8 CPU profile of the real server to .tmp/bench/profiles
 *   --out FILE           results file                          (default bench/RESULTS.md)
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT,
  WORK,
  buildDatabase,
  captureTemplate,
  cleanupAll,
  cleanupOnExit,
  login,
  machine,
  pickCompounds,
  refreshItems,
  waitForSettled,
  runScenario,
  startBaseline,
  startPostgres,
  setBenchPriority,
  startRealServer,
  startCluster,
  startFeed,
  startWsBaseline,
  type Target,
  waitForQuiet,
  type Percentiles,
  type ScenarioParams,
  type ScenarioResult,
  type StatementStat,
  statementStats,
} from './fanout.js';
import { codecCosts, type CodecCosts } from './codec.js';
import { RECOVERY_WINDOW_MS } from '../server/src/realtime/realtime.js';

const GOAL = { clients: 1000, rate: 200, p99Ms: 50 };
/** socket.io-adapter drops a recovery window's expired packets on a 60 s timer. */
const RECOVERY_SWEEP_MS = 60_000;
const DEMO_PASSWORD = 'bench-demo-password';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
};
const optionZero = (name: string, fallback: number): number => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
};
const known = new Set(['per-change', 'no-cluster', 'no-feed', 'quick', 'sio-clients', 'wait-quiet', 'priority', 'baseline-batch-ms', 'clients', 'rate', 'duration', 'warmup', 'reps', 'concurrency', 'compounds', 'pg-fast', 'baseline-recovery', 'cpu-prof', 'out', 'only']);
for (const a of argv) if (a.startsWith('--') && !known.has(a.slice(2))) throw new Error(`unknown option ${a} (see bench/run.ts)`);

const quick = flag('quick');
const params: ScenarioParams = {
  clients: 0,
  sioClients: 0,
  rate: option('rate', 200),
  warmupMs: option('warmup', quick ? 2 : 3) * 1000,
  durationMs: option('duration', quick ? 5 : 60) * 1000,
  cooldownMs: 1000,
  concurrency: option('concurrency', 32),
  drainMs: 10_000,
};
params.clients = option('clients', quick ? 100 : 1000);
params.sioClients = optionZero('sio-clients', Math.ceil(params.clients / 10));
const reps = option('reps', 1);
const batch = !flag('per-change');
const withCluster = !flag('no-cluster');
const withFeed = !flag('no-feed');
/** `--only cluster,server`: run just these kinds (for investigating one; a report without the baselines has no ratios). */
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? argv[onlyIdx + 1].split(',') : undefined;
/** The server's batch window (Realtime's default), used by the baselines too. */
const SERVER_BATCH_MS = 20;
const priorityIdx = argv.indexOf('--priority');
const priority = priorityIdx >= 0 ? Number(argv[priorityIdx + 1]) : 0;
if (!Number.isInteger(priority) || priority < -20 || priority > 19) throw new Error('--priority needs an integer −20…19');
const quietMs = optionZero('wait-quiet', quick ? 0 : 120) * 1000;
const compounds = option('compounds', 400);
const durable = !flag('pg-fast');
const baselineRecovery = flag('baseline-recovery');
const baselineBatchMs = optionZero('baseline-batch-ms', batch ? SERVER_BATCH_MS : 0);
const cpuProfDir = flag('cpu-prof') ? path.join(WORK, 'profiles') : undefined;
const outIdx = argv.indexOf('--out');
const outFile = outIdx >= 0 ? path.resolve(argv[outIdx + 1]) : path.join(ROOT, 'bench/RESULTS.md');
const command = `npm run bench -- fanout${argv.length ? ` ${argv.join(' ')}` : ''}`;

// Bounded in time: setup, connects and drains included, the whole run must end well within this.
const perScenarioMs = params.warmupMs + params.durationMs + params.cooldownMs + params.drainMs + 90_000 + params.clients * 60;
const deadlineMs = 5 * 60_000 + 4 * reps * (perScenarioMs + quietMs);
const watchdog = setTimeout(() => {
  console.error(`bench: exceeded ${Math.round(deadlineMs / 1000)} s, stopping`);
  cleanupAll();
  process.exit(2);
}, deadlineMs);

cleanupOnExit();

const log = (s: string) => console.log(s);
const fmt = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function brief(r: ScenarioResult): string {
  return (
    `${r.kind.padEnd(8)} ${fmt(r.achievedRate)} changes/s, latency p50 ${fmt(r.latency.p50)} p95 ${fmt(r.latency.p95)} ` +
    `p99 ${fmt(r.latency.p99)} max ${fmt(r.latency.max)} ms, lost ${r.lost}, dup ${r.duplicated}, ` +
    `cpu server ${fmt(r.cpu.server, 0)}% pg ${fmt(r.cpu.pg, 0)}% clients ${fmt(r.cpu.clients, 0)}% driver ${fmt(r.cpu.driver, 0)}%`
  );
}

async function main() {
  setBenchPriority(priority);
  const m = machine();
  const startedAt = new Date();
  log(`bench: ${m.nproc} CPUs (${m.cpuModel}), node ${m.node}; ${params.clients} clients, ${params.rate} changes/s, ${params.durationMs / 1000} s × ${reps}`);

  const t = Date.now();
  const cluster = await startPostgres({ durable });
  log(`PostgreSQL started (${cluster.settings}); loading the sample …`);
  const databaseUrl = await buildDatabase(cluster, DEMO_PASSWORD);
  log(`sample loaded in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  if (cpuProfDir) fs.mkdirSync(cpuProfDir, { recursive: true });
  // One DATA_DIR (one JWT secret) for the single server and the cluster's processes: the same tokens work on all.
  const dataDir = path.join(WORK, 'server-data');
  const server = await startRealServer({ databaseUrl, demoPassword: DEMO_PASSWORD, cpuProfDir, dataDir });
  const leader = await login(server.url, 'leader', DEMO_PASSWORD);
  const items = await pickCompounds(databaseUrl, server.url, DEMO_PASSWORD, compounds);
  const templateFile = path.join(WORK, 'change-template.json');
  const { bytes } = await captureTemplate(server, leader, items[0], templateFile);
  const codec = codecCosts(JSON.parse(fs.readFileSync(templateFile, 'utf8')));
  log(`server up at ${server.url}; ${items.length} compounds in ${new Set(items.map((i) => i.token)).size} grids; change message ${bytes} bytes`);

  const statsFrom = await statementStats(databaseUrl, 'reset');
  const runs: ScenarioResult[] = [];
  const kinds: Kind[] = (['baseline', 'ws', 'server', ...(withCluster ? (['cluster'] as const) : []), ...(withFeed ? (['feed'] as const) : [])] as Kind[]).filter(
    (k) => !only || only.includes(k),
  );
  // The cluster's log, kept across its runs: its processes stop after each run, so they use no CPU during the others.
  let clusterLog = '';
  for (let rep = 1; rep <= reps; rep++) {
    // Alternate the order, so no side always runs on a warmer (or more fragmented) machine.
    const order = rep % 2 ? kinds : [...kinds].reverse();
    for (const kind of order) {
      log(`rep ${rep}/${reps}: ${kind}`);
      if (quietMs) await waitForQuiet(quietMs, log);
      const common = { postmaster: cluster.postmaster, log, batch };
      if (kind === 'baseline' || kind === 'ws' || kind === 'feed') {
        const baseline =
          kind === 'ws'
            ? await startWsBaseline({ templateFile, batchMs: baselineBatchMs })
            : kind === 'feed'
              ? await startFeed({ databaseUrl, demoPassword: DEMO_PASSWORD, dataDir, templateFile })
              : await startBaseline({ templateFile, recovery: baselineRecovery, batchMs: baselineBatchMs });
        try {
          const r = await runScenario(baseline, params, { ...common, token: kind === 'feed' ? leader : 'baseline', items: [] });
          if (baseline.child.exitCode !== null || baseline.child.signalCode !== null) {
            log(`  ${kind} target exited (${baseline.child.exitCode ?? baseline.child.signalCode}) during the run:\n${baseline.output().slice(-3000)}`);
          }
          r.messageBytes = bytes;
          runs.push(r);
          log(`  ${brief(r)}`);
        } finally {
          await baseline.stop();
        }
      } else {
        const target = kind === 'server' ? server : await startCluster({ databaseUrl, demoPassword: DEMO_PASSWORD, dataDir });
        await waitForSettled(databaseUrl);
        await refreshItems(databaseUrl, items);
        // Once, not in --quick: is the memory the load took given back when the recovery window has passed?
        const settleMs = kind === 'server' && rep === reps && !quick ? RECOVERY_WINDOW_MS + RECOVERY_SWEEP_MS + 10_000 : undefined;
        const r = await runScenario(target, params, { ...common, token: leader, items, settleMs });
        r.messageBytes = bytes;
        runs.push(r);
        log(`  ${brief(r)}`);
        if (target.child.exitCode !== null) throw new Error(`${kind} died: ${target.output()}`);
        if (target !== server) {
          clusterLog += target.output();
          await target.stop();
        }
        await waitForSettled(databaseUrl);
      }
    }
  }
  const statements = await statementStats(databaseUrl, 'read');
  const serverLog = server.output() + clusterLog;
  await server.stop();
  cluster.stop();

  fs.mkdirSync(WORK, { recursive: true });
  const changes = statements.lastSeq - statsFrom;
  fs.writeFileSync(
    path.join(WORK, 'results.json'),
    JSON.stringify({ machine: m, params, reps, durable, baselineRecovery, baselineBatchMs, batch, priority, command, runs, statements, changes, codec }, null, 2),
  );
  fs.writeFileSync(outFile, report({ m, startedAt, runs, bytes, serverLog, pgSettings: cluster.settings, statements: statements.top, changes, codec }));
  log(`wrote ${path.relative(process.cwd(), outFile)} (raw: ${path.relative(process.cwd(), path.join(WORK, 'results.json'))})`);
  if (cpuProfDir) log(`server CPU profile in ${cpuProfDir} (summarise: npx tsx bench/profile-summary.ts <file>)`);
}

// ---------------------------------------------------------------------------------------------------------
// RESULTS.md

type Kind = ScenarioResult['kind'];

function noisy(runs: ScenarioResult[]): string {
  const worst = Math.max(...runs.map((r) => r.cpu.others));
  return worst > 15
    ? `> **The machine was shared during this run**: other processes used up to ${fmt(worst, 0)} % of a core during a window\n> (see "other processes" below). Treat the absolute numbers with care; the ratios suffer less.\n\n`
    : '';
}

const LABEL: Record<Kind, string> = {
  baseline: 'Socket.IO baseline',
  ws: 'bare ws baseline',
  server: 'server',
  cluster: '2 servers + Redis',
  feed: 'server, fan-out only (peer feed)',
};

function report(o: {
  m: ReturnType<typeof machine>;
  startedAt: Date;
  runs: ScenarioResult[];
  bytes: number;
  serverLog: string;
  pgSettings: string;
  statements: StatementStat[];
  changes: number;
  codec: CodecCosts;
}): string {
  const kinds = (['baseline', 'ws', 'server', 'cluster', 'feed'] as Kind[]).filter((k) => o.runs.some((r) => r.kind === k));
  const by = (k: Kind) => o.runs.filter((r) => r.kind === k);
  const med = (k: Kind, f: (r: ScenarioResult) => number) => median(by(k).map(f));
  const sum = (k: Kind, f: (r: ScenarioResult) => number) => by(k).reduce((a, r) => a + f(r), 0);
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : '—');
  const has = (k: Kind) => kinds.includes(k);

  const rate = med('server', (r) => r.achievedRate);
  const p99 = med('server', (r) => r.latency.p99);
  const lost = sum('server', (r) => r.lost);
  const dup = sum('server', (r) => r.duplicated);
  const ooo = sum('server', (r) => r.outOfOrder);
  const rssIdle = med('server', (r) => r.rss.idleSockets);
  const rssAfter = med('server', (r) => r.rss.afterClose);
  const rssSettled = o.runs.find((r) => r.kind === 'server' && r.rss.afterWindow !== undefined)?.rss.afterWindow;
  const windowMin = RECOVERY_WINDOW_MS / 60_000;
  const rssNone = med('server', (r) => r.rss.noSockets);
  const cp99 = med('cluster', (r) => r.latency.p99);
  const clost = sum('cluster', (r) => r.lost + r.duplicated + r.outOfOrder);
  const atGoalScale = params.clients >= GOAL.clients && params.rate >= GOAL.rate;
  const ok = (b: boolean) => (b ? '**met**' : '**missed**');

  const head = `| metric | ${kinds.map((k) => LABEL[k]).join(' | ')} | server / Socket.IO baseline |\n|---|${kinds.map(() => '---|').join('')}---|`;
  const row = (label: string, f: (r: ScenarioResult) => number, d = 1, agg: 'median' | 'sum' = 'median') => {
    const v = (k: Kind) => (agg === 'sum' ? sum(k, f) : med(k, f));
    return `| ${label} | ${kinds.map((k) => fmt(v(k), d)).join(' | ')} | ${agg === 'sum' ? '' : ratio(v('server'), v('baseline'))} |`;
  };
  const lat = (label: string, f: (r: ScenarioResult) => Percentiles, keys: Array<keyof Percentiles> = ['p50', 'p95', 'p99', 'p999', 'max']) =>
    keys.map((k) => row(`${label} ${k === 'p999' ? 'p99.9' : k} (ms)`, (r) => f(r)[k]));
  const perRep = o.runs
    .map(
      (r, i) =>
        `| ${i + 1} | ${LABEL[r.kind]} | ${fmt(r.achievedRate)} | ${fmt(r.latency.p50)} | ${fmt(r.latency.p95)} | ${fmt(r.latency.p99)} | ${fmt(r.latency.max)} | ` +
        `${r.received}/${r.expectedDeliveries} | ${r.lost} | ${r.duplicated} | ${r.outOfOrder} | ${r.disconnects} | ` +
        `${fmt(r.cpu.server, 0)} / ${fmt(r.cpu.pg, 0)} / ${fmt(r.cpu.clients, 0)} / ${fmt(r.cpu.driver, 0)} / ${fmt(r.cpu.others, 0)} | ` +
        `${fmt(r.rss.noSockets, 0)} / ${fmt(r.rss.idleSockets, 0)} / ${fmt(r.rss.afterLoad, 0)} / ${fmt(r.rss.afterClose, 0)} | ` +
        `${Object.entries(r.driverErrors).map(([k, v]) => `${k}: ${v}`).join(', ') || '—'} |`,
    )
    .join('\n');
  const warnings = o.serverLog
    .split('\n')
    .filter((l) => l.trim() && !l.includes('DEMO ACCOUNTS') && !l.includes('No built client'))
    .slice(0, 10);
  const wire = batch ? `batched \`changes\` frames (${SERVER_BATCH_MS} ms window; the baselines batch every ${baselineBatchMs} ms in the same format)` : 'one `change` frame per change (--per-change)';

  return `# Live-update fan-out benchmark

Generated by \`bench/run.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${o.startedAt.toISOString()}
- **Machine:** ${o.m.nproc} CPUs (${o.m.cpuModel}), ${o.m.memGb} GB RAM, Linux ${o.m.kernel}; Node ${o.m.node}; ${o.m.postgres}
- **PostgreSQL settings:** ${o.pgSettings}; throwaway cluster on 127.0.0.1, the committed sample loaded by \`migrate\` + \`loadSample\`
- **Parameters:** ${params.clients} clients over WebSocket with the leader token, each subscribed to district
  \`410105\` for ${wire}: ${Math.min(params.sioClients, params.clients)} real socket.io-client 4.8 clients spread among
  ${params.clients - Math.min(params.sioClients, params.clients)} light clients (\`bench/light-client.ts\`, same wire protocol, cheap decoding); ${params.rate} changes/s open-loop (≤ ${params.concurrency} requests in flight, ${compounds}
  compounds cycled by their grid coordinators); ${params.warmupMs / 1000} s warm-up, ${params.durationMs / 1000} s
  measured window, ${params.cooldownMs / 1000} s of load after it; ${reps} repetition(s) of each, alternating the order;
  one \`change\` message ≈ ${o.bytes} bytes. Baselines, same clients and rate: plain Socket.IO
  (\`bench/baseline-server.ts\`${baselineRecovery ? ", with the server's connectionStateRecovery" : ', default options'}) and a bare \`ws\` broadcast
  (\`bench/ws-baseline-server.ts\`), both without a database (POST /emit stands for a commit).${has('cluster') ? `
  2 servers + Redis: two server processes on the same database with the Redis streams adapter; clients alternate
  between them, and so do the PATCHes.` : ''}${has('feed') ? `
  Fan-out only (peer feed): a fresh server process with Redis, fed by \`bench/peer-feeder.ts\` exactly as a peer
  process publishes a committed change (server-side event over Redis, then the server's own reorder buffer,
  batching and emit) — no database write, so it measures the fan-out without the write path; \`at\` is stamped by
  the feeder, so its latency includes the Redis hop. Its CPU column is the server's only.` : ''}

## Against the goal

Goal: one process, 2 cores: 1,000 subscribed clients, 200 changes/s sustained, p99 commit-to-delivery ≤ 50 ms,
zero lost, duplicated or out-of-order events.${atGoalScale ? '' : `\n\n*This run is smaller than the goal (${params.clients} clients, ${params.rate} changes/s): it checks the harness, not the goal.*`}

| criterion | target | server (median of ${reps}) | Socket.IO baseline | verdict |
|---|---|---|---|---|
| changes/s sustained | ${params.rate} | ${fmt(rate)} (${fmt((100 * rate) / params.rate, 0)} % of target) | ${fmt(med('baseline', (r) => r.achievedRate))} | ${ok(rate >= params.rate * 0.99)} |
| p99 commit → delivery | ≤ ${GOAL.p99Ms} ms | ${fmt(p99)} ms | ${fmt(med('baseline', (r) => r.latency.p99))} ms | ${ok(p99 <= GOAL.p99Ms)} |
| lost events (all reps) | 0 | ${lost} of ${sum('server', (r) => r.expectedDeliveries)} deliveries | ${sum('baseline', (r) => r.lost)} | ${ok(lost === 0)} |
| duplicated events (all reps) | 0 | ${dup} | ${sum('baseline', (r) => r.duplicated)} | ${ok(dup === 0)} |
| received out of seq order | 0 | ${ooo} | ${sum('baseline', (r) => r.outOfOrder)} | ${ok(ooo === 0)} |
| server RSS, ${params.clients} idle sockets | ≤ 300 MB | ${fmt(rssIdle, 0)} MB (no sockets: ${fmt(rssNone, 0)} MB) | ${fmt(med('baseline', (r) => r.rss.idleSockets), 0)} MB | ${ok(rssIdle <= 300)} |
| server RSS after the load, clients gone | flat: ≤ idle + 10 % once the ${windowMin}-min recovery window, which keeps every frame sent, has passed | ${rssSettled === undefined ? 'not measured (--quick)' : `${fmt(rssSettled, 0)} MB`} (${fmt(rssAfter, 0)} MB 5 s after the clients left, ${fmt(med('server', (r) => r.rss.afterLoad), 0)} MB right after the load) | ${fmt(med('baseline', (r) => r.rss.afterClose), 0)} MB | ${rssSettled === undefined ? '—' : ok(rssSettled <= Math.max(rssIdle, rssNone) * 1.1)} |${has('cluster') ? `
| 2 processes + Redis: lost + dup + out of order | 0 | ${clost} of ${sum('cluster', (r) => r.expectedDeliveries)} deliveries | — | ${ok(clost === 0)} |
| 2 processes + Redis: p99 | ≤ 1.5 × one process | ${fmt(cp99)} ms (${ratio(cp99, p99)}) | — | ${ok(cp99 <= 1.5 * p99)} |` : ''}${has('feed') ? `
| fan-out only (peer feed, no writes): changes/s | ${params.rate} | ${fmt(med('feed', (r) => r.achievedRate))} | ${fmt(med('baseline', (r) => r.achievedRate))} | ${ok(med('feed', (r) => r.achievedRate) >= params.rate * 0.99)} |
| fan-out only: p99 commit → delivery | ≤ ${GOAL.p99Ms} ms | ${fmt(med('feed', (r) => r.latency.p99))} ms | ${fmt(med('baseline', (r) => r.latency.p99))} ms | ${ok(med('feed', (r) => r.latency.p99) <= GOAL.p99Ms)} |
| fan-out only: lost + dup + out of order | 0 | ${sum('feed', (r) => r.lost + r.duplicated + r.outOfOrder)} of ${sum('feed', (r) => r.expectedDeliveries)} | — | ${ok(sum('feed', (r) => r.lost + r.duplicated + r.outOfOrder) === 0)} |` : ''}

${noisy(o.runs)}**Server p99 / Socket.IO baseline p99 = ${ratio(p99, med('baseline', (r) => r.latency.p99))}**${has('ws') ? `; / bare ws p99 = ${ratio(p99, med('ws', (r) => r.latency.p99))}` : ''}; achieved / target changes/s = ${fmt(rate / params.rate, 2)}.

## All targets side by side (medians over repetitions; counts summed)

${head}
${row('achieved changes/s (committed while the window lasted ÷ window)', (r) => r.achievedRate)}
${row('changes due in the window that committed at all (late included), /s', (r) => r.dueRateCommitted)}
${row(`change messages delivered to all clients, /s (target ${params.clients * params.rate})`, (r) => r.deliveredPerSecond, 0)}
${row(`changes issued (of ${(params.rate * params.durationMs) / 1000} due in the window)`, (r) => r.windowIssued, 0)}
${lat('commit → delivery, all clients', (r) => r.latency).join('\n')}
${lat('… socket.io-client clients only', (r) => r.sioLatency, ['p50', 'p95', 'p99', 'max']).join('\n')}
${lat('first client per event', (r) => r.firstClient, ['p50', 'p99']).join('\n')}
${lat('last client per event', (r) => r.lastClient, ['p50', 'p99']).join('\n')}
${lat('change request round trip', (r) => r.request, ['p50', 'p99', 'max']).join('\n')}
${lat('request issued late by', (r) => r.issueLag, ['p50', 'p99']).join('\n')}
${row('deliveries expected (sum)', (r) => r.expectedDeliveries, 0, 'sum')}
${row('lost (sum)', (r) => r.lost, 0, 'sum')}
${row('duplicated (sum)', (r) => r.duplicated, 0, 'sum')}
${row('received out of seq order (sum)', (r) => r.outOfOrder, 0, 'sum')}
${row('client disconnects (sum)', (r) => r.disconnects, 0, 'sum')}
${row('server process(es) CPU, % of one core', (r) => r.cpu.server, 0)}
${row('PostgreSQL CPU, % of one core', (r) => r.cpu.pg, 0)}
${row('clients (this process) CPU, % of one core', (r) => r.cpu.clients, 0)}
${row('driver CPU, % of one core', (r) => r.cpu.driver, 0)}
${row('machine busy, % of all cores', (r) => r.cpu.machineBusyPct, 0)}
${row('irq + softirq (loopback networking, charged to no process), % of one core', (r) => r.cpu.softirq, 0)}
${row('steal (hypervisor), % of one core', (r) => r.cpu.steal, 0)}
${row('other processes on the machine, % of one core', (r) => r.cpu.others, 0)}
${row('server RSS before any client, MB', (r) => r.rss.noSockets, 0)}
${row(`server RSS with ${params.clients} idle subscribed sockets, MB`, (r) => r.rss.idleSockets, 0)}
${row('server RSS right after the load, MB', (r) => r.rss.afterLoad, 0)}
${row('server RSS 5 s after the clients left, MB', (r) => r.rss.afterClose, 0)}
${row(`server RSS ${(RECOVERY_WINDOW_MS + RECOVERY_SWEEP_MS + 10_000) / 1000} s after the clients left (last rep), MB`, (r) => r.rss.afterWindow ?? NaN, 0)}
${row('server CPU per committed change, ms', (r) => (r.cpu.server * 10) / r.achievedRate, 2)}
${row('server CPU per delivered message, µs', (r) => (r.cpu.server * 1e4) / r.deliveredPerSecond, 1)}
${row('PostgreSQL CPU per committed change, ms', (r) => (r.cpu.pg * 10) / r.achievedRate, 2)}
${row('client process CPU per delivered message, µs', (r) => (r.cpu.clients * 1e4) / r.deliveredPerSecond, 1)}

Server only: updatedAt → PATCH answer at the driver p50 ${fmt(med('server', (r) => r.commitToResponse.p50))} ms, p99 ${fmt(med('server', (r) => r.commitToResponse.p99))} ms.

## Every run

| # | kind | changes/s | p50 | p95 | p99 | max (ms) | received | lost | dup | out of order | disconnects | CPU % server / pg / clients / driver / others | RSS MB none / idle / after load / after close | driver errors |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
${perRep}
${warnings.length ? `\nServer log (warn and above, first lines):\n\n\`\`\`\n${warnings.join('\n')}\n\`\`\`\n` : ''}
## Frame encoding: JSON vs msgpack, and per-message deflate

One \`changes\` frame of ${o.codec.changesPerFrame} changes (about what a ${SERVER_BATCH_MS} ms window holds at 200 changes/s), measured in this
process (\`bench/codec.ts\`):

| | bytes | CPU per frame (µs) | paid |
|---|---|---|---|
| Socket.IO default parser (JSON text) | ${o.codec.json.bytes} | ${fmt(o.codec.json.encodeUs)} | once per room per batch |
| socket.io-msgpack-parser (binary) | ${o.codec.msgpack.bytes} | ${fmt(o.codec.msgpack.encodeUs)} | once per room per batch |
| permessage-deflate of the JSON frame | ${o.codec.deflate.bytes} | ${fmt(o.codec.deflate.us)} | once per **socket** per frame (${params.clients} clients: ${fmt((o.codec.deflate.us * params.clients) / 1000)} ms per batch) |

## PostgreSQL statements of the server runs

${o.changes} changes committed in all server runs (warm-up and cool-down included). Top statements by total
execution time (pg_stat_statements; execution inside PostgreSQL only, not the round trips):

| calls per change | mean (ms) | total (ms) | statement |
|---|---|---|---|
${o.statements
  .map((st) => `| ${fmt(st.calls / Math.max(1, o.changes), 2)} | ${fmt(st.meanMs, 3)} | ${fmt(st.totalMs, 0)} | \`${st.query.slice(0, 140).replace(/\|/g, '\\|')}${st.query.length > 140 ? ' …' : ''}\` |`)
  .join('\n')}

## What the numbers mean

- **commit → delivery** = the client's receipt time (\`performance.timeOrigin + performance.now()\` in the client
  process) − the event's \`at\` (PostgreSQL \`clock_timestamp()\` when the event row is written, inside the
  committing transaction; ms precision on the wire). Same machine, same clock. One sample per (client, event)
  for every event committed by a change due in the measured window. The baselines stamp \`at\` with
  \`new Date()\` just before they emit, so their latency is pure fan-out (and batch wait) plus client-side receipt.
- **first / last client per event**: the fastest and slowest of the ${params.clients} receipts of one event; last − first
  is the fan-out spread.
- **lost**: (client, event) pairs never received within ${params.drainMs / 1000} s after the load; **duplicated**: any
  seq a client received more than once; **out of order**: a seq received after a higher one.
- **achieved changes/s**: changes committed (HTTP 200 answered) while the window lasted, ÷ window length. The
  driver is open-loop: it issues each change at its due time unless ${params.concurrency} requests are already in
  flight, so a slow server shows up as late issues and a lower rate.
- **RSS** is the server's resident set (both processes for the cluster) read from \`/proc\`.
- CPU is utime + stime from \`/proc\` over the window, in % of one core; PostgreSQL is the postmaster and all its
  backends.

## Limitations

- Load generator and server share one ${o.m.nproc}-CPU machine: the ${params.clients} clients (one Node process),
  the driver, PostgreSQL and the server(s) compete for the same cores; the client process's own queueing adds to
  the measured latency of baselines and server alike.
- Most clients are light clients (\`bench/light-client.ts\`): same Engine.IO 4 / Socket.IO 5 protocol over the same
  \`ws\` library, but they read only \`seq\` and \`at\` of each change instead of decoding the whole frame. The
  real socket.io-client clients are reported separately.
- Loopback only: no network latency, bandwidth or packet loss.
- Only compound status changes are driven; all clients subscribe to the district; the sample database is small and warm.
- ${durable ? "PostgreSQL runs with its durable defaults on this machine's disk." : 'PostgreSQL runs without fsync (--pg-fast): commits are cheaper than in a real deployment.'}
`;
}

main()
  .then(() => {
    clearTimeout(watchdog);
    cleanupAll();
    process.exit(0);
  })
  .catch((err) => {
    console.error('bench failed:', err);
    cleanupAll();
    process.exit(1);
  });
