/**
 * `npx tsx bench/wall.ts [--quick] [--minutes M] [--rate R] [--out FILE]`: the command-centre wall (`/wall`) —
 * what it costs to load, and whether it holds its memory under a steady stream of changes.
 *
 * Goals (issue 9): the JS + CSS the wall page loads ≤ 1.5 MB gzip; its JS heap after 30 min of 10 changes/s grows
 * ≤ 10 % over the heap right after load. No baseline: the figures are absolute (the heap is compared with itself).
 *
 * What runs: a throwaway PostgreSQL 15 + PostGIS with the 1× sample, the real server (server/src/main.ts) serving the
 * built client (dist/client: run `npx vite build` first), Debian's Chromium (playwright-core, software WebGL as the
 * e2e tests) opening `/wall?token=…` as `display` at 1920×1080. Bundle: every script and stylesheet response of the
 * page up to ready (the wall's lazy chunks included), sized as the files in dist/client gzip-compressed (level 6,
 * what @fastify/compress sends). Heap: CDP `HeapProfiler.collectGarbage` then `Runtime.getHeapUsage` (usedSize),
 * first 10 s after the wall is live (the baseline), then every 30 s while changes flow; growth = the last sample over
 * the baseline. Changes: real PATCHes of compound statuses by their grid coordinators, at R/s round-robin over 60
 * compounds (each one's own sequence of versions), so the wall receives R `change` events a second.
 *
 * Writes bench/RESULTS-wall.md and .tmp/bench/summary-wall.json (bench/suite.ts).
 *
 * Options:
 *   --quick       2 minutes (default 30)
 *   --minutes M
 *   --rate R      changes per second (default 10)
 *   --out FILE    results file (default bench/RESULTS-wall.md)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, READY } from '../tests/e2e/browser.js';
import { ROOT, buildDatabase, cleanupAll, cleanupOnExit, login, machine, pickCompounds, startPostgres, startRealServer } from './fanout.js';
import type { DriverItem } from './driver.js';
import { fmt, writeSummary } from './summary.js';

const GOAL = { bundleMb: 1.5, growthPct: 10 };
const DEMO_PASSWORD = 'bench-demo-password';
const WALL = '[data-testid="wall"]';
const DIST = path.join(ROOT, 'dist/client');

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    minutes: { type: 'string' },
    rate: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench/RESULTS-wall.md') },
  },
});
const minutes = Number(opts.minutes ?? (opts.quick ? 2 : 30));
const rate = Number(opts.rate ?? 10);
if (!(minutes > 0 && rate > 0)) throw new Error('--minutes M, --rate R: positive numbers');
const outFile = path.resolve(opts.out!);
const command = `npx tsx bench/wall.ts ${process.argv.slice(2).join(' ')}`.trim();
const log = (s: string) => console.log(s);
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
if (!fs.existsSync(path.join(DIST, 'index.html'))) throw new Error('No built client in dist/client: run "npx vite build" first');

cleanupOnExit();

const NEXT: Record<string, string> = { normal: 'pending', pending: 'in_progress', in_progress: 'pending', done: 'in_progress', verified: 'pending' };

/** Changes at `rate`/s until stop(); each compound patched only after its previous PATCH answered. */
function drive(serverUrl: string, items: DriverItem[]) {
  let sent = 0;
  let ok = 0;
  let failed = 0;
  const busy = new Set<string>();
  let i = 0;
  const timer = setInterval(() => {
    const item = items[i++ % items.length];
    if (busy.has(item.id)) return;
    busy.add(item.id);
    sent++;
    fetch(`${serverUrl}/api/layers/compounds/${item.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${item.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: NEXT[item.status], version: item.version }),
    })
      .then(async (res) => {
        if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
        const body = (await res.json()) as { feature: { properties: { version: number; status: string } } };
        item.version = body.feature.properties.version;
        item.status = body.feature.properties.status;
        ok++;
      })
      .catch((err) => {
        if (failed++ < 3) console.error(`PATCH failed: ${err}`);
      })
      .finally(() => busy.delete(item.id));
  }, 1000 / rate);
  return { stop: () => clearInterval(timer), counts: () => ({ sent, ok, failed }) };
}

async function main() {
  const m = machine();
  const startedAt = new Date();
  const loadavg = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const cluster = await startPostgres({ durable: false });
  const databaseUrl = await buildDatabase(cluster, DEMO_PASSWORD);
  const server = await startRealServer({ databaseUrl, demoPassword: DEMO_PASSWORD });
  const token = await login(server.url, 'display', DEMO_PASSWORD);
  const items = await pickCompounds(databaseUrl, server.url, DEMO_PASSWORD, 60);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    const origin = new URL(server.url).origin;
    await context.route('**/*', (route) => (route.request().url().startsWith(origin) || /^(data|blob):/.test(route.request().url()) ? route.continue() : route.abort()));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const assets = new Set<string>();
    page.on('response', (res) => {
      const type = res.request().resourceType();
      if ((type === 'script' || type === 'stylesheet') && res.url().startsWith(origin)) assets.add(new URL(res.url()).pathname);
    });
    const t0 = Date.now();
    await page.goto(`${server.url}/wall?token=${encodeURIComponent(token)}`);
    await page.waitForSelector(`${WALL}[data-status="ready"]`, { timeout: 120_000 });
    await page.waitForSelector(READY, { timeout: 120_000 });
    await page.waitForSelector(`${WALL}[data-live-status="live"]`, { timeout: 120_000 });
    const readyS = (Date.now() - t0) / 1000;

    // Bundle: the files behind every script and stylesheet the page loaded, gzip as the server compresses.
    const files = [...assets].map((p) => {
      const file = path.join(DIST, decodeURIComponent(p));
      const raw = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
      return { path: p, raw: raw.length, gzip: raw.length ? zlib.gzipSync(raw, { level: 6 }).length : 0 };
    });
    const js = files.filter((f) => f.path.endsWith('.js'));
    const css = files.filter((f) => f.path.endsWith('.css'));
    const gzipMb = files.reduce((n, f) => n + f.gzip, 0) / 1e6;
    const rawMb = files.reduce((n, f) => n + f.raw, 0) / 1e6;
    log(`wall ready in ${fmt(readyS, 1)} s; ${js.length} JS + ${css.length} CSS files, ${fmt(rawMb)} MB raw, ${fmt(gzipMb)} MB gzip`);

    const cdp = await context.newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      return usedSize / 1e6;
    };
    await sleep(10_000);
    const base = await heap();
    log(`heap after load: ${fmt(base)} MB`);
    const samples: { min: number; mb: number; changes: number }[] = [{ min: 0, mb: base, changes: 0 }];
    const driver = drive(server.url, items);
    const start = Date.now();
    const end = start + minutes * 60_000;
    const every = Math.min(30_000, (minutes * 60_000) / 4);
    while (Date.now() < end) {
      await sleep(Math.min(every, end - Date.now()));
      const mb = await heap();
      samples.push({ min: (Date.now() - start) / 60_000, mb, changes: driver.counts().ok });
      log(`  ${fmt((Date.now() - start) / 60_000, 1)} min: heap ${fmt(mb)} MB, ${driver.counts().ok} changes`);
    }
    driver.stop();
    await sleep(2000);
    const last = await heap();
    samples.push({ min: (Date.now() - start) / 60_000, mb: last, changes: driver.counts().ok });
    const { sent, ok, failed } = driver.counts();
    const achieved = ok / ((Date.now() - start) / 1000);
    const growthPct = (100 * (last - base)) / base;
    const live = await page.getAttribute(WALL, 'data-live-status');
    // After the first minute the wall's bounded structures are full (feed of FEED_MAX, flashes, region names of the
    // changed points): growth past it is what a leak would show; growth before it is filling up.
    const settled = samples.find((x) => x.min >= 1 && x !== samples[samples.length - 1]);
    const afterFillPct = settled ? (100 * (last - settled.mb)) / settled.mb : NaN;
    const bundleMet = gzipMb <= GOAL.bundleMb;
    const heapMet = growthPct <= GOAL.growthPct;
    log(`heap ${fmt(base)} → ${fmt(last)} MB (${fmt(growthPct, 1)} %); ${ok}/${sent} changes (${fmt(achieved, 1)}/s), ${failed} failed; wall ${live}; ${errors.length} page errors`);

    writeSummary({
      scenario: 'wall',
      results: path.relative(ROOT, outFile),
      quick: opts.quick!,
      rows: [
        { what: '/wall JS + CSS, gzip', measured: `${fmt(gzipMb)} MB`, baseline: '—', ratio: null, target: `≤ ${GOAL.bundleMb} MB`, met: bundleMet },
        {
          what: `wall heap after ${minutes} min at ${rate} changes/s`,
          measured: `${fmt(last, 1)} MB`,
          baseline: `${fmt(base, 1)} MB after load`,
          ratio: last / base,
          target: `growth ≤ ${GOAL.growthPct} %${minutes < 30 ? ' (goal: 30 min)' : ''}`,
          met: heapMet,
        },
        {
          what: 'wall heap growth after the first minute (feed full) to the end',
          measured: `${fmt(last, 1)} MB`,
          baseline: settled ? `${fmt(settled.mb, 1)} MB at ${fmt(settled.min, 1)} min` : '—',
          ratio: settled ? last / settled.mb : null,
          target: 'report (leak indicator)',
          met: null,
        },
      ],
    });
    const md = `# Wall page: bundle and heap under live changes

Generated by \`bench/wall.ts\` — do not edit by hand; re-run to refresh.

- **Command:** \`${command}\`
- **Date:** ${startedAt.toISOString()}; load average at start ${loadavg} (2 cores shared with other work)
- **Machine:** ${m.nproc} CPUs (${m.cpuModel}), ${m.memGb} GB RAM, Linux ${m.kernel}; Node ${m.node}; ${m.postgres}; Debian Chromium, software WebGL
- **Method:** the real server on a throwaway PostgreSQL + PostGIS (1× sample, fsync off) serving the built client;
  \`/wall?token=…\` as \`display\`, 1920×1080. Bundle = every script and stylesheet the page loaded until it was ready and
  live, sized from dist/client and gzip level 6. Heap = CDP HeapProfiler.collectGarbage then Runtime.getHeapUsage
  (used JS heap), 10 s after the wall was live (baseline), then every ${fmt(every / 1000, 0)} s under ${rate} changes/s (real
  PATCHes of 60 compounds' statuses by their grid coordinators), and 2 s after the changes stopped (final).

## Against the goals

Goals (issue 9): the wall's JS + CSS ≤ ${GOAL.bundleMb} MB gzip; heap growth after 30 min of 10 changes/s ≤ ${GOAL.growthPct} %.

- **Bundle: ${fmt(gzipMb)} MB gzip** (${fmt(rawMb)} MB raw; ${js.length} JS, ${css.length} CSS) — ${bundleMet ? '**met**' : '**missed**'}.
- **Heap: ${fmt(base)} MB after load → ${fmt(last)} MB after ${minutes} min (${growthPct >= 0 ? '+' : ''}${fmt(growthPct, 1)} %)** — ${heapMet ? '**met**' : '**missed**'}${minutes < 30 ? ` (a ${minutes}-minute run; the goal is stated for 30)` : ''}.
- After the first minute (feed and other bounded structures full${settled ? `: ${fmt(settled.mb)} MB at ${fmt(settled.min, 1)} min` : ''}) to the end: **${afterFillPct >= 0 ? '+' : ''}${fmt(afterFillPct, 1)} %** — the leak indicator.
- Changes: ${ok} applied of ${sent} sent (${fmt(achieved, 1)}/s), ${failed} failed; wall at the end: \`${live}\`; page errors: ${errors.length}${errors.length ? ` (${errors.slice(0, 3).join('; ')})` : ''}; ready in ${fmt(readyS, 1)} s.

| minutes | changes applied | used JS heap (MB) |
|---|---|---|
${samples.map((s) => `| ${fmt(s.min, 1)} | ${s.changes} | ${fmt(s.mb)} |`).join('\n')}

Files (gzip bytes): ${files
      .sort((a, b) => b.gzip - a.gzip)
      .map((f) => `\`${f.path}\` ${f.gzip}`)
      .join(', ')}
`;
    fs.writeFileSync(outFile, md);
    log(`wrote ${path.relative(process.cwd(), outFile)}`);
  } finally {
    await browser.close();
    await server.stop();
    cluster.stop();
  }
}

main().catch((err) => {
  console.error(err);
  cleanupAll();
  process.exit(1);
});
