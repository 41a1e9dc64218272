/**
 * Fan-out scenario: N Socket.IO clients subscribed to the district, changes committed at a target rate, and
 * commit-to-delivery latency, loss and duplication measured per client — against the real server (PostgreSQL +
 * PostGIS, its own process) and against a plain Socket.IO baseline (bench/baseline-server.ts, its own process,
 * no database) with the same clients, rate and message size.
 *
 * Processes: this one (the N clients — a share of real socket.io-client clients among light protocol clients,
 * bench/light-client.ts — and the measurement), bench/driver.ts (the changes and the CPU snapshots, its own
 * process), the server under test, and PostgreSQL. Everything is on 127.0.0.1.
 */
import { execFileSync, fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { io, type Socket } from 'socket.io-client';
import { openDb } from '../server/src/db/db.js';
import { migrate } from '../server/src/db/migrate.js';
import { loadSample } from '../server/src/sample/sample.loader.js';
import type { DriverConfig, DriverItem, DriverResult } from './driver.js';
import { freePort } from '../tests/helpers/processes.js';
import { LightClient } from './light-client.js';
import { childPids, machineCpu, rssMb, type CpuSnapshot, type CpuTargets } from './proc.js';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const WORK = path.join(ROOT, '.tmp', 'bench');
export const DISTRICT = '410105';
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------
// Cleanup: every process started here is stopped on exit, error or signal.

const cleanups: Array<() => void> = [];
export function onCleanup(fn: () => void) {
  cleanups.push(fn);
}
/** Stops what a scenario started (clusters, servers) however its process ends. */
export function cleanupOnExit() {
  process.on('exit', cleanupAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      cleanupAll();
      process.exit(130);
    });
  }
}
export function cleanupAll() {
  while (cleanups.length) {
    try {
      cleanups.pop()!();
    } catch {
      /* best effort */
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Processes

let priority = 0;
/**
 * Scheduling priority (nice, −20…19) for every process of the benchmark: this one, the driver, the servers and
 * PostgreSQL. On a machine shared with other work a negative value (root only) keeps that work from skewing
 * the numbers; 0 leaves the default. Set on this process first, so every child inherits it from the start;
 * applyPriority() then makes sure of it per process.
 */
export function setBenchPriority(p: number) {
  priority = p;
  if (p !== 0) os.setPriority(process.pid, p);
}
export function applyPriority(pid: number) {
  if (priority === 0) return;
  try {
    os.setPriority(pid, priority);
  } catch {
    /* gone, or not allowed */
  }
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

function track(child: ChildProcess): Proc {
  applyPriority(child.pid!);
  let out = '';
  child.stdout?.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr?.on('data', (d) => (out = (out + d).slice(-20_000)));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  onCleanup(kill);
  return {
    child,
    pid: child.pid!,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(kill, 15_000).unref();
      }),
  };
}

async function waitHttp(url: string, proc: Proc, what: string, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${what} exited: ${proc.output()}`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`${what} did not start: ${proc.output()}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Throwaway PostGIS cluster, as scripts/test-services.sh starts it

const PGBIN = '/usr/lib/postgresql/15/bin';
const isRoot = () => process.getuid?.() === 0;

export interface PgCluster {
  url: (db: string) => string;
  /** Pid of the postmaster (its backends are its children). */
  postmaster: number;
  stop(): void;
  settings: string;
}

export async function startPostgres({ durable }: { durable: boolean }): Promise<PgCluster> {
  if (!fs.existsSync(`${PGBIN}/initdb`) || !fs.existsSync('/usr/share/postgresql/15/extension/postgis.control')) {
    if (!isRoot()) throw new Error('The benchmark needs postgresql-15-postgis-3: run as root, or: sudo apt-get install -y postgresql-15-postgis-3');
    console.log('Installing postgresql-15-postgis-3 …');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'postgresql-15-postgis-3'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  removeStaleClusters();
  const port = await freePort();
  const dir = fs.mkdtempSync('/tmp/jinshui-bench-pg.');
  const asPg = (cmd: string, args: string[]) =>
    isRoot() ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' }) : execFileSync(cmd, args, { stdio: 'pipe' });
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    fs.chownSync(dir, uid, gid);
  }
  fs.chmodSync(dir, 0o700);
  const stop = () => {
    try {
      asPg(`${PGBIN}/pg_ctl`, ['-D', dir, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* not running */
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  onCleanup(stop);
  asPg(`${PGBIN}/initdb`, ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  // Durable (default): PostgreSQL's own defaults, as a real deployment runs. --pg-fast: exactly the test
  // cluster's settings (fsync, synchronous_commit and full_page_writes off).
  const fast = '-c fsync=off -c synchronous_commit=off -c full_page_writes=off';
  // pg_stat_statements: per-statement costs of the PATCH path for the report (overhead ~1 %).
  const stats = '-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all';
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=300 ${stats} ${durable ? '' : fast}`.trim();
  asPg(`${PGBIN}/pg_ctl`, ['-D', dir, '-l', `${dir}/server.log`, '-w', '-t', '30', '-o', opts, 'start']);
  const postmaster = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Backends are forked from the postmaster later and inherit its priority.
  for (const pid of [postmaster, ...childPids(postmaster)]) applyPriority(pid);
  return {
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    postmaster,
    stop,
    settings: durable ? 'PostgreSQL 15 defaults (fsync, synchronous_commit on)' : 'fsync=off, synchronous_commit=off, full_page_writes=off (as tests)',
  };
}

/** Data dirs of earlier benchmark clusters whose postmaster is gone (a run killed with SIGKILL). */
function removeStaleClusters() {
  for (const d of fs.readdirSync('/tmp')) {
    if (!d.startsWith('jinshui-bench-pg.')) continue;
    const dir = path.join('/tmp', d);
    let alive = false;
    try {
      process.kill(Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]), 0);
      alive = true;
    } catch {
      /* no pid file or no such process */
    }
    if (!alive && Date.now() - fs.statSync(dir).mtimeMs > 60_000) fs.rmSync(dir, { recursive: true, force: true });
  }
}


/** A fresh database migrated and loaded with the committed sample by the server's own code. */
export async function buildDatabase(cluster: PgCluster, demoPassword: string, sampleDir = path.join(ROOT, 'geodata/jinshui')): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query('CREATE DATABASE jinshui_bench');
  await admin.end();
  const url = cluster.url('jinshui_bench');
  fs.mkdirSync(WORK, { recursive: true });
  const db = await openDb({ databaseUrl: url, dataDir: WORK });
  await migrate(db);
  await loadSample(db, { sampleDir, demoPassword });
  await db.exec('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.close();
  return url;
}

export interface StatementStat {
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

/** pg_stat_statements of the bench database: reset (returns the last seq), or read the top statements. */
export async function statementStats(databaseUrl: string, action: 'reset'): Promise<number>;
export async function statementStats(databaseUrl: string, action: 'read'): Promise<{ lastSeq: number; top: StatementStat[] }>;
export async function statementStats(databaseUrl: string, action: 'reset' | 'read'): Promise<unknown> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const {
      rows: [{ last }],
    } = await c.query<{ last: string }>('SELECT last FROM event_seq');
    if (action === 'reset') {
      await c.query('SELECT pg_stat_statements_reset()');
      return Number(last);
    }
    const { rows } = await c.query<{ query: string; calls: string; total: number; mean: number; rows: string }>(
      `SELECT regexp_replace(query, '\\s+', ' ', 'g') AS query, calls, total_exec_time AS total, mean_exec_time AS mean, rows
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = current_database() AND query NOT ILIKE '%pg_stat_statements%'
        ORDER BY total_exec_time DESC LIMIT 12`,
    );
    return {
      lastSeq: Number(last),
      top: rows.map((r) => ({ query: r.query, calls: Number(r.calls), totalMs: r.total, meanMs: r.mean, rows: Number(r.rows) })),
    };
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Servers under test

export type TargetKind = 'baseline' | 'ws' | 'server' | 'cluster' | 'feed';

export interface Target extends Proc {
  /** baseline: plain Socket.IO; ws: bare `ws` broadcast; server: the real server; cluster: 2 real servers + Redis. */
  kind: TargetKind;
  url: string;
  /** Every process's URL and pid (one, or two for a cluster); clients and requests are spread over them. */
  urls: string[];
  pids: number[];
  /** Where the driver sends its changes, when not to `urls` (the `feed` scenario's peer feeder). */
  driveUrls?: string[];
}

/** Whether the target writes through the real API (PATCH) rather than POST /emit. */
export const isReal = (t: Target) => t.kind === 'server' || t.kind === 'cluster';

/** The real server: `node --import tsx server/src/main.ts`, its own process. */
export async function startRealServer(opts: {
  databaseUrl: string;
  demoPassword: string;
  cpuProfDir?: string;
  /** REDIS_URL, and a DATA_DIR shared with the other processes (one JWT secret). */
  redisUrl?: string;
  dataDir?: string;
}): Promise<Target> {
  const port = await freePort();
  const dataDir = opts.dataDir ?? path.join(WORK, `server-data-${port}`);
  fs.mkdirSync(dataDir, { recursive: true });
  onCleanup(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const flags = opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DEMO_PASSWORD: opts.demoPassword,
      LOG_LEVEL: 'warn',
      ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/api/health`, proc, 'server');
  return { ...proc, kind: 'server', url, urls: [url], pids: [proc.pid] };
}

/**
 * Two real server processes on the same database and DATA_DIR, fanning out through a throwaway redis-server
 * with the Socket.IO Redis streams adapter (as tests/integration/cluster.test.ts).
 */
export async function startCluster(opts: { databaseUrl: string; demoPassword: string; dataDir: string }): Promise<Target> {
  const redisPort = await freePort();
  const redis = track(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  for (let i = 0; i < 50 && !redis.output().includes('Ready to accept'); i++) await sleep(100);
  const a = await startRealServer({ ...opts, redisUrl });
  const b = await startRealServer({ ...opts, redisUrl });
  return {
    ...a,
    kind: 'cluster',
    urls: [a.url, b.url],
    pids: [a.pid, b.pid],
    output: () => a.output() + b.output(),
    stop: async () => {
      await Promise.all([a.stop(), b.stop()]);
      await redis.stop();
    },
  };
}

/**
 * Fan-out only: a fresh real server on its own Redis, fed by bench/peer-feeder.ts as if a peer process had
 * committed the changes (no database writes). The driver POSTs /emit to the feeder; clients connect to the server.
 */
export async function startFeed(opts: { databaseUrl: string; demoPassword: string; dataDir: string; templateFile: string }): Promise<Target> {
  const redisPort = await freePort();
  const redis = track(spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  for (let i = 0; i < 50 && !redis.output().includes('Ready to accept'); i++) await sleep(100);
  const server = await startRealServer({ databaseUrl: opts.databaseUrl, demoPassword: opts.demoPassword, dataDir: opts.dataDir, redisUrl });
  const c = new pg.Client({ connectionString: opts.databaseUrl });
  await c.connect();
  const { rows: [{ last }] } = await c.query<{ last: string }>('SELECT last FROM event_seq');
  await c.end();
  const port = await freePort();
  const feeder = track(
    spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/peer-feeder.ts')], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), TEMPLATE: opts.templateFile, REDIS_URL: redisUrl, START_SEQ: String(Number(last) + 1) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const feederUrl = `http://127.0.0.1:${port}`;
  await waitHttp(`${feederUrl}/health`, feeder, 'peer feeder', 30_000);
  return {
    ...server,
    kind: 'feed',
    driveUrls: [feederUrl],
    output: () => server.output() + feeder.output(),
    stop: async () => {
      await Promise.all([server.stop(), feeder.stop()]);
      await redis.stop();
    },
  };
}

/** The bare `ws` broadcast baseline (bench/ws-baseline-server.ts), its own process. */
export async function startWsBaseline(opts: { templateFile: string; batchMs: number }): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/ws-baseline-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), TEMPLATE: opts.templateFile, BATCH_MS: String(opts.batchMs) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`, proc, 'ws baseline server', 30_000);
  return { ...proc, kind: 'ws', url, urls: [url], pids: [proc.pid] };
}

/** The plain Socket.IO baseline (bench/baseline-server.ts), its own process. */
export async function startBaseline(opts: { templateFile: string; recovery: boolean; batchMs?: number }): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/baseline-server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), TEMPLATE: opts.templateFile, RECOVERY: opts.recovery ? '1' : '0', BATCH_MS: String(opts.batchMs ?? 0) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/health`, proc, 'baseline server', 30_000);
  return { ...proc, kind: 'baseline', url, urls: [url], pids: [proc.pid] };
}

// ---------------------------------------------------------------------------------------------------------
// Accounts and compounds

export async function login(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/**
 * `count` compounds, whole grids in a stable pseudo-random order (fewer logins), each with the token of its grid's
 * coordinator `grid-<gridCode>`.
 */
export async function pickCompounds(databaseUrl: string, serverUrl: string, password: string, count: number): Promise<DriverItem[]> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const { rows } = await c.query<{ id: string; status: string; version: number; grid: string }>(
    `SELECT c.id, c.status, c.version, substr(c.region_code, 1, 14) AS grid
       FROM compounds c JOIN users u ON u.username = 'grid-' || substr(c.region_code, 1, 14)
      WHERE length(c.region_code) >= 14
      ORDER BY md5(substr(c.region_code, 1, 14)), c.id LIMIT $1`,
    [count],
  );
  await c.end();
  if (rows.length < count) throw new Error(`only ${rows.length} compounds with a grid coordinator`);
  const grids = [...new Set(rows.map((r) => r.grid))];
  const tokens = new Map<string, string>();
  // argon2 verification is deliberately slow: a few logins at a time.
  for (let i = 0; i < grids.length; i += 4) {
    await Promise.all(grids.slice(i, i + 4).map(async (g) => tokens.set(g, await login(serverUrl, `grid-${g}`, password))));
  }
  return rows.map((r) => ({ id: r.id, status: r.status, version: r.version, token: tokens.get(r.grid)! }));
}

/** Waits (at most maxMs) until no change has committed for a second: an overloaded run's last requests. */
export async function waitForSettled(databaseUrl: string, maxMs = 30_000): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const end = Date.now() + maxMs;
    let last = -1;
    for (;;) {
      const {
        rows: [{ last: seq }],
      } = await c.query<{ last: string }>('SELECT last FROM event_seq');
      if (Number(seq) === last || Date.now() > end) return;
      last = Number(seq);
      await sleep(1000);
    }
  } finally {
    await c.end();
  }
}

/**
 * Re-reads status and version of the compounds: a change the driver gave up on (still in flight when an
 * overloaded run ended) may have committed afterwards.
 */
export async function refreshItems(databaseUrl: string, items: DriverItem[]): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string; status: string; version: number }>('SELECT id, status, version FROM compounds WHERE id = ANY ($1)', [
      items.map((i) => i.id),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const item of items) {
      const row = byId.get(item.id);
      if (row) Object.assign(item, { status: row.status, version: row.version });
    }
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Clients

function connect(url: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, auth: { token }, timeout: 20_000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

async function subscribe(socket: Socket, region: string, batch = false): Promise<number> {
  const ack = (await socket.timeout(20_000).emitWithAck('subscribe', { region, ...(batch ? { batch } : {}) })) as { ok: boolean; seq?: number; error?: string };
  if (!ack.ok) throw new Error(`subscribe ${region}: ${ack.error}`);
  return ack.seq!;
}

/** One real `change` message, captured by one client after one real PATCH (the baseline's template). */
export async function captureTemplate(server: Target, leaderToken: string, item: DriverItem, file: string): Promise<{ bytes: number }> {
  const socket = await connect(server.url, leaderToken);
  try {
    await subscribe(socket, DISTRICT);
    const got = new Promise<Record<string, unknown>>((resolve) => socket.once('change', resolve));
    const next = item.status === 'pending' ? 'in_progress' : 'pending';
    const res = await fetch(`${server.url}/api/layers/compounds/${item.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${item.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: item.status === 'normal' || item.status === 'in_progress' || item.status === 'verified' ? 'pending' : next, version: item.version }),
    });
    if (!res.ok) throw new Error(`template PATCH: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { feature: { properties: { version: number; status: string } } };
    item.version = body.feature.properties.version;
    item.status = body.feature.properties.status;
    const message = await Promise.race([got, sleep(10_000).then(() => Promise.reject(new Error('no change message within 10 s')))]);
    fs.writeFileSync(file, JSON.stringify(message));
    return { bytes: Buffer.byteLength(JSON.stringify(['change', message])) };
  } finally {
    socket.close();
  }
}

/**
 * Waits (at most maxMs) until the machine is nearly idle — other users' builds and browser tests make a
 * benchmark meaningless — and returns how busy it still was, in % of all cores.
 */
export async function waitForQuiet(maxMs: number, log: (s: string) => void, thresholdPct = 15): Promise<number> {
  const end = Date.now() + maxMs;
  let said = false;
  for (;;) {
    const a = machineCpu();
    await sleep(2000);
    const b = machineCpu();
    const busy = (100 * (b.busy - a.busy)) / Math.max(1, b.total - a.total);
    if (busy <= thresholdPct || Date.now() >= end) {
      if (said || busy > thresholdPct) log(`  machine ${fmtPct(busy)} busy${busy > thresholdPct ? ' (gave up waiting)' : ''}`);
      return busy;
    }
    if (!said) log(`  machine ${fmtPct(busy)} busy with other work; waiting up to ${Math.round(maxMs / 1000)} s for it to settle …`);
    said = true;
  }
}
const fmtPct = (v: number) => `${v.toFixed(0)} %`;


// ---------------------------------------------------------------------------------------------------------
// The scenario

export interface ScenarioParams {
  clients: number;
  /** How many of the clients are real socket.io-client clients (the others: bench/light-client.ts). */
  sioClients: number;
  rate: number;
  warmupMs: number;
  durationMs: number;
  cooldownMs: number;
  concurrency: number;
  /** Longest wait after the load for missing deliveries. */
  drainMs: number;
}

export interface Percentiles {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface ScenarioResult {
  kind: TargetKind;
  params: ScenarioParams;
  connectMs: number;
  /** Changes committed in the window (200 answers to changes due in the window). */
  windowChanges: number;
  windowDue: number;
  windowIssued: number;
  /** Change messages received by all clients while the window lasted, per second (any seq). */
  deliveredPerSecond: number;
  /** Changes committed (answered 200) while the window lasted, per second: the sustained rate. */
  achievedRate: number;
  /** Changes due in the window and committed at any time, per second (late ones included). */
  dueRateCommitted: number;
  notIssued: number;
  driverErrors: Record<string, number>;
  expectedDeliveries: number;
  received: number;
  lost: number;
  /** Clients that missed at least one window event. */
  clientsWithLoss: number;
  duplicated: number;
  outOfOrder: number;
  unexpected: number;
  disconnects: number;
  /** Commit (event `at`) → client receipt, every (client, window event) pair, ms. */
  latency: Percentiles;
  /** The same, for the real socket.io-client clients only. */
  sioLatency: Percentiles;
  sioClients: number;
  /** Per window event: its first and its last client's receipt. */
  firstClient: Percentiles;
  lastClient: Percentiles;
  /** Driver: request round trip, issue lateness, updatedAt → answer. */
  request: Percentiles;
  issueLag: Percentiles;
  commitToResponse: Percentiles;
  /** CPU over the window, % of one core. */
  cpu: {
    server: number;
    pg: number;
    driver: number;
    clients: number;
    machineBusyPct: number;
    /** Interrupt and softirq time (mostly the loopback TCP of this benchmark), % of one core. */
    softirq: number;
    /** Time the hypervisor gave to other machines, % of one core. */
    steal: number;
    /** Everything else: other processes on the machine. */
    others: number;
    seconds: number;
  };
  serverRssMb: number;
  /** Server RSS (all its processes), MB: before any client connected, with every client connected and
   * subscribed but idle, after the load (drained), 5 s after the clients left, and (when asked: `settleMs`) once
   * Socket.IO's recovery window has let go of the load's packets. */
  rss: { noSockets: number; idleSockets: number; afterLoad: number; afterClose: number; afterWindow?: number };
  /** Clients subscribed for batched `changes` frames (else one `change` frame per change). */
  batch: boolean;
  messageBytes?: number;
}

export function percentiles(sortedValues: ArrayLike<number>): Percentiles {
  const n = sortedValues.length;
  if (!n) return { n: 0, mean: NaN, p50: NaN, p95: NaN, p99: NaN, p999: NaN, max: NaN };
  const at = (p: number) => sortedValues[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sortedValues[i];
  return { n, mean: sum / n, p50: at(0.5), p95: at(0.95), p99: at(0.99), p999: at(0.999), max: sortedValues[n - 1] };
}

interface ClientState {
  kind: 'socket.io-client' | 'light';
  close(): void;
  /** Receipt latency by seq − base (NaN = not received). */
  latency: Float32Array;
  count: Uint8Array;
  lastSeq: number;
  outOfOrder: number;
  unexpected: number;
  disconnects: number;
}

/** Starts bench/driver.ts as its own process and resolves once it has loaded and waits for its config. */
async function startDriver(): Promise<{ pid: number; run(config: DriverConfig): Promise<DriverResult> }> {
  const child = fork(path.join(ROOT, 'bench/driver.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_DRIVER: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup(() => child.exitCode === null && child.kill('SIGKILL'));
  applyPriority(child.pid!);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`driver exited with ${code} before it was ready`)));
  });
  return {
    pid: child.pid!,
    run: (config) =>
      new Promise((resolve, reject) => {
        child.once('message', (m: { ok: boolean; result?: DriverResult; error?: string }) => (m.ok ? resolve(m.result!) : reject(new Error(m.error))));
        child.once('exit', (code) => reject(new Error(`driver exited with ${code} before answering`)));
        child.send(config);
      }),
  };
}

export async function runScenario(
  target: Target,
  p: ScenarioParams,
  opts: { token: string; items: DriverItem[]; postmaster: number; log: (s: string) => void; batch: boolean; settleMs?: number },
): Promise<ScenarioResult> {
  const serverRss = () => target.pids.reduce((a, pid) => a + rssMb(pid), 0);
  const rss = { noSockets: serverRss(), idleSockets: NaN, afterLoad: NaN, afterClose: NaN };
  const capacity = Math.ceil(((p.warmupMs + p.durationMs + p.cooldownMs) / 1000) * p.rate * 1.2) + 1000;
  const clients: ClientState[] = [];
  let base = -1;

  // Connect and subscribe, 50 at a time. Every (clients / sioClients)-th client is a real socket.io-client
  // (spread out: the server writes to sockets in the order they joined the room), the others light clients.
  const sioCount = Math.min(p.sioClients, p.clients);
  const sioIndexes = new Set(Array.from({ length: sioCount }, (_, j) => Math.floor((j * p.clients) / sioCount)));
  const isSio = (i: number) => sioIndexes.has(i);
  const newState = (kind: ClientState['kind'], close: () => void): ClientState => ({
    kind,
    close,
    latency: new Float32Array(capacity).fill(NaN),
    count: new Uint8Array(capacity),
    lastSeq: 0,
    outOfOrder: 0,
    unexpected: 0,
    disconnects: 0,
  });
  // Receipts per 10 ms, from the time the clients are connected: delivered messages/s over the driver's window.
  const bucketMs = 10;
  const buckets = new Float64Array(Math.ceil((p.warmupMs + p.durationMs + p.cooldownMs + p.drainMs + 120_000) / bucketMs));
  let bucket0 = Infinity;
  const record = (state: ClientState, seq: number, atMs: number, t: number) => {
    const b = Math.floor((t - bucket0) / bucketMs);
    if (b >= 0 && b < buckets.length) buckets[b] += 1;
    const i = seq - base;
    if (i < 0 || i >= capacity) {
      state.unexpected += 1;
      return;
    }
    if (state.count[i] < 255) state.count[i] += 1;
    if (state.count[i] === 1) state.latency[i] = t - atMs;
    if (seq < state.lastSeq) state.outOfOrder += 1;
    else state.lastSeq = seq;
  };
  const t0 = now();
  for (let i = 0; i < p.clients; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, p.clients - i) }, async (_, k) => {
        if (isSio(i + k)) {
          const socket = await connect(target.urls[(i + k) % target.urls.length], opts.token);
          const seq = await subscribe(socket, DISTRICT, opts.batch);
          const state = newState('socket.io-client', () => {
            socket.removeAllListeners('disconnect');
            socket.close();
          });
          socket.on('change', (m: { seq: number; at: string }) => record(state, m.seq, Date.parse(m.at), now()));
          socket.on('changes', (ms: Array<{ seq: number; at: string }>) => {
            const t = now();
            for (const m of ms) record(state, m.seq, Date.parse(m.at), t);
          });
          socket.on('disconnect', () => (state.disconnects += 1));
          return { state, seq };
        }
        const client = new LightClient(target.urls[(i + k) % target.urls.length], opts.token, now);
        await client.connect();
        const seq = await client.subscribe(DISTRICT, opts.batch);
        const state = newState('light', () => client.close());
        client.onChange = (s, at, t) => record(state, s, at, t);
        client.onDisconnect = () => (state.disconnects += 1);
        return { state, seq };
      }),
    );
    for (const { state, seq } of batch) {
      if (base < 0) base = seq + 1;
      else if (seq + 1 !== base) throw new Error(`clients subscribed at different seqs (${seq + 1} vs ${base}): something else writes`);
      clients.push(state);
    }
  }
  const connectMs = now() - t0;
  opts.log(`  ${p.clients} clients connected and subscribed in ${(connectMs / 1000).toFixed(1)} s`);
  await sleep(2000);
  rss.idleSockets = serverRss();

  // Drive.
  bucket0 = now();
  const driver = await startDriver();
  const driverPid = driver.pid;
  const startAt = now() + 300;
  const windowStart = startAt + p.warmupMs;
  const windowEnd = windowStart + p.durationMs;
  // The driver takes the CPU snapshots at the window's edges: its event loop is not the busy one.
  const cpuTargets: CpuTargets = {
    server: target.pids,
    postmaster: isReal(target) ? opts.postmaster : 0,
    clients: process.pid,
    driver: driverPid,
  };
  const config: DriverConfig = {
    kind: isReal(target) ? 'server' : 'baseline',
    url: target.driveUrls?.[0] ?? target.url,
    urls: target.driveUrls ?? target.urls,
    rate: p.rate,
    warmupMs: p.warmupMs,
    durationMs: p.durationMs,
    cooldownMs: p.cooldownMs,
    concurrency: p.concurrency,
    items: opts.items,
    startAt,
    cpuTargets,
  };
  const driven = await driver.run(config);
  // Carry the compounds' versions over to the next run.
  if (isReal(target)) opts.items.splice(0, opts.items.length, ...driven.items);

  // Drain: wait for every client to hold every window event (or the drain limit), then a little longer for
  // late duplicates.
  const seqIdx = driven.windowSeqs.map((s) => s - base);
  const missing = () => {
    let n = 0;
    for (const c of clients) for (const i of seqIdx) if (i < 0 || i >= capacity || c.count[i] === 0) n++;
    return n;
  };
  const drainEnd = now() + p.drainMs;
  while (missing() > 0 && now() < drainEnd) await sleep(100);
  await sleep(300);
  const serverRssMb = serverRss();
  rss.afterLoad = serverRssMb;

  // Tally.
  const expected = clients.length * seqIdx.length;
  const all = new Float32Array(expected);
  let received = 0;
  let lost = 0;
  let duplicated = 0;
  let clientsWithLoss = 0;
  const first = new Float64Array(seqIdx.length).fill(Infinity);
  const last = new Float64Array(seqIdx.length).fill(-Infinity);
  for (const c of clients) {
    let clientLost = 0;
    seqIdx.forEach((i, k) => {
      if (i < 0 || i >= capacity || c.count[i] === 0) {
        clientLost++;
        return;
      }
      const l = c.latency[i];
      all[received++] = l;
      if (l < first[k]) first[k] = l;
      if (l > last[k]) last[k] = l;
    });
    for (let i = 0; i < capacity; i++) if (c.count[i] > 1) duplicated += c.count[i] - 1;
    lost += clientLost;
    if (clientLost) clientsWithLoss++;
  }
  const latencies = all.subarray(0, received).sort();
  const sioLatencies: number[] = [];
  for (const c of clients) {
    if (c.kind !== 'socket.io-client') continue;
    for (const i of seqIdx) if (i >= 0 && i < capacity && c.count[i] > 0) sioLatencies.push(c.latency[i]);
  }
  sioLatencies.sort((a, b) => a - b);
  const firsts = Array.from(first).filter(Number.isFinite).sort((a, b) => a - b);
  const lasts = Array.from(last).filter(Number.isFinite).sort((a, b) => a - b);

  const [s0, s1] = driven.cpu as [CpuSnapshot, CpuSnapshot];
  const secs = (s1.t - s0.t) / 1000 || 1;
  const pct = (a: number, b: number) => (b - a) / 10 / secs;
  const cpu = {
    server: pct(s0.server, s1.server),
    pg: pct(s0.pg, s1.pg),
    driver: pct(s0.driver, s1.driver),
    clients: pct(s0.clients, s1.clients),
    machineBusyPct: (100 * (s1.machine.busy - s0.machine.busy)) / Math.max(1, s1.machine.total - s0.machine.total),
    softirq: 0,
    steal: 0,
    others: 0,
    seconds: secs,
  };
  {
    const ticks = Math.max(1, s1.machine.total - s0.machine.total);
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    cpu.softirq = ((100 * (s1.machine.irq - s0.machine.irq)) / ticks) * cores;
    cpu.steal = ((100 * (s1.machine.steal - s0.machine.steal)) / ticks) * cores;
  }
  // Everything else on the machine (other users' builds and tests make a benchmark noisy).
  cpu.others = Math.max(
    0,
    cpu.machineBusyPct * (os.availableParallelism?.() ?? os.cpus().length) - cpu.server - cpu.pg - cpu.driver - cpu.clients - cpu.softirq - cpu.steal,
  );

  const result: ScenarioResult = {
    kind: target.kind,
    params: p,
    connectMs,
    windowChanges: driven.windowSeqs.length,
    windowDue: driven.windowDue,
    windowIssued: driven.windowIssued,
    deliveredPerSecond: (() => {
      let n = 0;
      const from = Math.max(0, Math.floor((driven.windowStart - bucket0) / bucketMs));
      const to = Math.min(buckets.length, Math.floor((driven.windowEnd - bucket0) / bucketMs));
      for (let b = from; b < to; b++) n += buckets[b];
      return n / (p.durationMs / 1000);
    })(),
    achievedRate: driven.okDuringWindow / (p.durationMs / 1000),
    dueRateCommitted: driven.windowSeqs.length / (p.durationMs / 1000),
    notIssued: driven.notIssued,
    driverErrors: driven.errors,
    expectedDeliveries: expected,
    received,
    lost,
    clientsWithLoss,
    duplicated,
    outOfOrder: clients.reduce((a, c) => a + c.outOfOrder, 0),
    unexpected: clients.reduce((a, c) => a + c.unexpected, 0),
    disconnects: clients.reduce((a, c) => a + c.disconnects, 0),
    latency: percentiles(latencies),
    sioLatency: percentiles(sioLatencies),
    sioClients: clients.filter((c) => c.kind === 'socket.io-client').length,
    firstClient: percentiles(firsts),
    lastClient: percentiles(lasts),
    request: percentiles(driven.requestMs),
    issueLag: percentiles(driven.issueLagMs),
    commitToResponse: percentiles(driven.commitToResponseMs),
    cpu,
    serverRssMb,
    rss,
    batch: opts.batch,
  };

  // Disconnect (not counted as disconnects).
  for (const c of clients) c.close();
  await sleep(5000);
  result.rss.afterClose = serverRss();
  if (opts.settleMs) {
    opts.log(`  waiting ${Math.round(opts.settleMs / 1000)} s for the recovery window to let go of the load …`);
    await sleep(opts.settleMs);
    result.rss.afterWindow = serverRss();
  }
  return result;
}

export const machine = () => ({
  nproc: os.availableParallelism?.() ?? os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  kernel: os.release(),
  postgres: (() => {
    try {
      return spawnSync(`${PGBIN}/postgres`, ['--version']).stdout.toString().trim();
    } catch {
      return 'unknown';
    }
  })(),
});
