/**
 * `npx tsx bench/start.ts [--quick] [--reps R] [--out FILE]`: the embedded default — `npm start` without its build
 * step, i.e. `node --import tsx server/src/main.ts` with no DATABASE_URL (PGlite + PostGIS in the process) — from
 * spawn to the first `GET /api/health` answering ok:
 *   first start  a fresh, empty DATA_DIR: the database created, migrated, the sample district loaded;
 *   warm start   the same DATA_DIR again (nothing to migrate or load).
 * And the process's RSS (VmRSS) at that moment and after 100 requests of /api/stats (the roll-ups run).
 *
 * Goal (issue 9): report; first start ≤ 20 s if within reach. No baseline: the figures are absolute.
 * Phases of the first start are read from the server's own log (LOG_LEVEL=info, pino `time`): "migrations applied",
 * "Jinshui sample district loaded", "Server listening".
 *
 * Writes bench/RESULTS-start.md and .tmp/bench/summary-start.json (bench/suite.ts).
 *
 * Options:
 *   --quick      1 rep (default 3 reps: each a fresh DATA_DIR, first then warm start)
 *   --reps R
 *   --out FILE   results file (default bench/RESULTS-start.md)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../tests/helpers/processes.js';
import { ROOT, cleanupAll, cleanupOnExit, login, machine, onCleanup } from './fanout.js';
import { rssMb } from './proc.js';
import { fmt, writeSummary } from './summary.js';

const GOAL_FIRST_S = 20;
const DEMO_PASSWORD = 'bench-demo-password';
const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench/RESULTS-start.md') },
  },
});
const reps = Number(opts.reps ?? (opts.quick ? 1 : 3));
if (!(Number.isInteger(reps) && reps > 0)) throw new Error('--reps R: a positive integer');
const outFile = path.resolve(opts.out!);
const command = `npx tsx bench/start.ts ${process.argv.slice(2).join(' ')}`.trim();
const log = (s: string) => console.log(s);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

cleanupOnExit();

interface Start {
  seconds: number;
  rssMb: number;
  rssAfterMb: number;
  /** Seconds from spawn to each phase's log line. */
  phases: Record<string, number>;
}

const PHASES: Record<string, RegExp> = {
  migrated: /migrations applied/,
  sample: /sample district loaded/,
  listening: /Server listening/,
};

async function startOnce(dataDir: string): Promise<Start> {
  const port = await freePort();
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DEMO_PASSWORD, LOG_LEVEL: 'info', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  onCleanup(kill);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${out.slice(-3000)}`);
      const ok = await fetch(`${url}/api/health`).then(async (r) => r.ok && ((await r.json()) as { status: string }).status === 'ok', () => false);
      if (ok) break;
      if (Date.now() - t0 > 300_000) throw new Error(`no health within 300 s:\n${out.slice(-3000)}`);
      await sleep(50);
    }
    const seconds = (Date.now() - t0) / 1000;
    const rss = rssMb(child.pid!);
    const token = await login(url, 'leader', DEMO_PASSWORD);
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`${url}/api/stats`, { headers: { authorization: `Bearer ${token}` } });
      if (!r.ok) throw new Error(`/api/stats: ${r.status}`);
      await r.arrayBuffer();
    }
    const rssAfter = rssMb(child.pid!);
    const phases: Record<string, number> = {};
    for (const line of out.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const { msg, time } = JSON.parse(line) as { msg?: string; time?: number };
        for (const [name, re] of Object.entries(PHASES)) if (msg && re.test(msg) && !(name in phases) && time) phases[name] = (time - t0) / 1000;
      } catch {
        /* not JSON */
      }
    }
    return { seconds, rssMb: rss, rssAfterMb: rssAfter, phases };
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(kill, 15_000).unref();
    });
  }
}

async function main() {
  const m = machine();
  const startedAt = new Date();
  const loadavg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const first: Start[] = [];
  const warm: Start[] = [];
  for (let i = 0; i < reps; i++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-bench-start.'));
    onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const f = await startOnce(dataDir);
    first.push(f);
    log(`  rep ${i + 1} first start: ${fmt(f.seconds)} s, RSS ${fmt(f.rssMb, 0)} MB (${fmt(f.rssAfterMb, 0)} MB after 100 × /api/stats); phases ${JSON.stringify(f.phases)}`);
    const w = await startOnce(dataDir);
    warm.push(w);
    log(`  rep ${i + 1} warm start: ${fmt(w.seconds)} s, RSS ${fmt(w.rssMb, 0)} MB (${fmt(w.rssAfterMb, 0)} MB after)`);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const f = median(first.map((s) => s.seconds));
  const w = median(warm.map((s) => s.seconds));
  const rss = Math.max(...[...first, ...warm].map((s) => s.rssAfterMb));
  writeSummary({
    scenario: 'start',
    results: path.relative(ROOT, outFile),
    quick: opts.quick!,
    rows: [
      { what: 'embedded first start (migrate + sample) to health ok', measured: `${fmt(f, 1)} s`, baseline: '—', ratio: null, target: `≤ ${GOAL_FIRST_S} s`, met: f <= GOAL_FIRST_S },
      { what: 'embedded warm start to health ok', measured: `${fmt(w, 1)} s`, baseline: '—', ratio: null, target: 'report', met: null },
      { what: 'embedded server RSS (max, after 100 × /api/stats)', measured: `${fmt(rss, 0)} MB`, baseline: '—', ratio: null, target: 'report', met: null },
    ],
  });
  const phase = (s: Start, k: string) => (k in s.phases ? fmt(s.phases[k], 1) : '—');
  const rows = [...first.map((s, i) => ['first', i, s] as const), ...warm.map((s, i) => ['warm', i, s] as const)]
    .map(([kind, i, s]) => `| ${kind} | ${i + 1} | ${fmt(s.seconds, 2)} | ${phase(s, 'migrated')} | ${phase(s, 'sample')} | ${phase(s, 'listening')} | ${fmt(s.rssMb, 0)} | ${fmt(s.rssAfterMb, 0)} |`)
    .join('\n');
  const md = `# Embedded default: start time and RSS

Generated by \`bench/start.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${startedAt.toISOString()}; load average at start ${loadavg} (2 cores shared with other work)
- **Machine:** ${m.nproc} CPUs (${m.cpuModel}), ${m.memGb} GB RAM, Linux ${m.kernel}; Node ${m.node}
- **Method:** \`node --import tsx server/src/main.ts\` (what \`npm start\` runs after its build step), no DATABASE_URL: the
  embedded PGlite + PostGIS under a temp DATA_DIR. From spawn until \`GET /api/health\` answers \`{"status":"ok"}\`
  (polled every 50 ms). **first** = empty DATA_DIR (create, migrate, load the 1× sample); **warm** = the same DATA_DIR
  again. RSS = VmRSS of the server process (PGlite's WASM heap included) at health ok, and after the leader's login
  plus 100 × \`/api/stats\`. Phases: seconds from spawn to the server's log lines. ${reps} rep(s); medians.

Where a first start goes (profiled by hand on 2026-12-03, load average < 1, openDb, migrate and each statement of
loadSample timed apart): PGlite.create (WASM Postgres, initdb of the empty DATA_DIR) 8.4 s, \`CREATE EXTENSION
postgis\` (001: PostGIS's install script, spatial_ref_sys included) ≈ 7 s, the other migrations 0.4 s, loadSample
4.6 s (of which the building groups' boundaries, each checked inside its grid by the regions trigger, 1.0 s). Opening
an existing DATA_DIR takes 3.4 s, and PostGIS then loads in 0.1 s. The first two are PGlite's initdb and PostGIS's
own SQL, not this repository's code; a warm start pays reopening PGlite.

## Against the goal

Goal (issue 9): report; first start ≤ ${GOAL_FIRST_S} s if within reach.

- **First start ${fmt(f, 1)} s** — ${f <= GOAL_FIRST_S ? '**met**' : '**missed**'}; warm start **${fmt(w, 1)} s**; RSS at most **${fmt(rss, 0)} MB**.

| start | rep | to health ok (s) | migrations applied (s) | sample loaded (s) | listening (s) | RSS at health (MB) | RSS after 100 stats (MB) |
|---|---|---|---|---|---|---|---|
${rows}
`;
  fs.writeFileSync(outFile, md);
  log(`first ${fmt(f)} s, warm ${fmt(w)} s, RSS ${fmt(rss, 0)} MB\nwrote ${path.relative(process.cwd(), outFile)}`);
}

main().catch((err) => {
  console.error(err);
  cleanupAll();
  process.exit(1);
});
