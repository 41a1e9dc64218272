/**
 * `npx tsx bench/wall.ts [--quick] [--minutes M] [--rate R] [--out FILE]`: the command-centre wall (`/wall`) —
 * what it costs to load, and whether it holds its memory under a steady stream of changes.
 *
 * Goals (issue 9): the JS + CSS the wall page loads ≤ 1.5 MB gzip; its JS heap after 30 min of 10 changes/s grows
 * ≤ 10 %. No baseline: the figures are absolute (the heap is compared with itself). The growth is judged from the
 * end of a warm-up of changes (default 2 min) — what a wall running for days shows — and also reported from load:
 * the first minutes of changes fill bounded structures (the feed, flashes) and V8 compiles the hot paths, which
 * heap snapshots at load, after the warm-up and at the end show apart (compiled code vs everything else).
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
 *   --minutes M   minutes measured after the warm-up
 *   --warmup W    minutes of changes before the baseline (default 2; 0.5 with --quick)
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
    warmup: { type: 'string' },
    rate: { type: 'string' },
    out: { type: 'string', default: path.join(ROOT, 'bench/RESULTS-wall.md') },
  },
});
const minutes = Number(opts.minutes ?? (opts.quick ? 2 : 30));
const rate = Number(opts.rate ?? 10);
const warmup = Number(opts.warmup ?? (opts.quick ? 0.5 : 2));
if (!(minutes > 0 && rate > 0 && warmup >= 0)) throw new Error('--minutes M, --rate R: positive numbers; --warmup W ≥ 0');
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
    /** A heap snapshot's self sizes: V8's compiled code (JIT) apart from everything else (objects, strings, DOM …). */
    const heapSplit = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const chunks: string[] = [];
      const onChunk = (e: { chunk: string }) => chunks.push(e.chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      const { snapshot, nodes } = JSON.parse(chunks.join('')) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[] };
      const fields = snapshot.meta.node_fields;
      const [typeAt, sizeAt, codeType] = [fields.indexOf('type'), fields.indexOf('self_size'), snapshot.meta.node_types[0].indexOf('code')];
      let code = 0;
      let other = 0;
      for (let i = 0; i < nodes.length; i += fields.length) {
        if (nodes[i + typeAt] === codeType) code += nodes[i + sizeAt];
        else other += nodes[i + sizeAt];
      }
      return { codeMb: code / 1e6, otherMb: other / 1e6 };
    };
    await sleep(10_000);
    const loaded = { mb: await heap(), ...(await heapSplit()) };
    log(`heap after load: ${fmt(loaded.mb)} MB`);
    const driver = drive(server.url, items);
    const t0Changes = Date.now();
    await sleep(warmup * 60_000);
    const warm = { mb: await heap(), ...(await heapSplit()), changes: driver.counts().ok };
    log(`heap after ${warmup} min of changes (warm-up, ${warm.changes} changes): ${fmt(warm.mb)} MB`);
    const base = warm.mb;
    const samples: { min: number; mb: number; changes: number }[] = [{ min: 0, mb: base, changes: 0 }];
    const start = Date.now();
    const end = start + minutes * 60_000;
    const every = Math.min(30_000, (minutes * 60_000) / 4);
    const applied = () => driver.counts().ok - warm.changes;
    while (Date.now() < end) {
      await sleep(Math.min(every, end - Date.now()));
      const mb = await heap();
      samples.push({ min: (Date.now() - start) / 60_000, mb, changes: applied() });
      log(`  ${fmt((Date.now() - start) / 60_000, 1)} min: heap ${fmt(mb)} MB, ${applied()} changes`);
    }
    driver.stop();
    await sleep(2000);
    const last = await heap();
    const final = await heapSplit();
    samples.push({ min: (Date.now() - start) / 60_000, mb: last, changes: applied() });
    const { sent, ok, failed } = driver.counts();
    const achieved = ok / ((Date.now() - t0Changes) / 1000);
    const growthPct = (100 * (last - base)) / base;
    const fromLoadPct = (100 * (last - loaded.mb)) / loaded.mb;
    const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${fmt((100 * (b - a)) / a, 1)} %`;
    const live = await page.getAttribute(WALL, 'data-live-status');
    const bundleMet = gzipMb <= GOAL.bundleMb;
    const heapMet = growthPct <= GOAL.growthPct;
    log(`heap ${fmt(base)} → ${fmt(last)} MB (${fmt(growthPct, 1)} %; from load ${fmt(fromLoadPct, 1)} %); ${ok}/${sent} changes (${fmt(achieved, 1)}/s), ${failed} failed; wall ${live}; ${errors.length} page errors`);

    writeSummary({
      scenario: 'wall',
      results: path.relative(ROOT, outFile),
      quick: opts.quick!,
      rows: [
        { what: '/wall JS + CSS, gzip', measured: `${fmt(gzipMb)} MB`, baseline: '—', ratio: null, target: `≤ ${GOAL.bundleMb} MB`, met: bundleMet },
        {
          what: `wall heap after ${minutes} min at ${rate} changes/s`,
          measured: `${fmt(last, 1)} MB`,
          baseline: `${fmt(base, 1)} MB after ${warmup} min of changes (warm-up)`,
          ratio: last / base,
          target: `growth ≤ ${GOAL.growthPct} %${minutes < 30 ? ' (goal: 30 min)' : ''}`,
          met: heapMet,
        },
        {
          what: 'wall heap from load (warm-up included) to the end',
          measured: `${fmt(last, 1)} MB`,
          baseline: `${fmt(loaded.mb, 1)} MB after load`,
          ratio: last / loaded.mb,
          target: 'report (the warm-up fills bounded structures and compiles code)',
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
  (used JS heap), 10 s after the wall was live (load), after ${warmup} min of ${rate} changes/s (real PATCHes of 60
  compounds' statuses by their grid coordinators; the baseline), then every ${fmt(every / 1000, 0)} s while they go on, and
  2 s after they stopped (final). Heap snapshots at load, baseline and final split the heap into V8's compiled code
  and everything else (objects, strings, arrays, DOM).

## Against the goals

Goals (issue 9): the wall's JS + CSS ≤ ${GOAL.bundleMb} MB gzip; heap growth after 30 min of 10 changes/s ≤ ${GOAL.growthPct} %.

- **Bundle: ${fmt(gzipMb)} MB gzip** (${fmt(rawMb)} MB raw; ${js.length} JS, ${css.length} CSS) — ${bundleMet ? '**met**' : '**missed**'}.
- **Heap: ${fmt(base)} MB after the warm-up → ${fmt(last)} MB after ${minutes} more min (${pct(base, last)})** — ${heapMet ? '**met**' : '**missed**'}${minutes < 30 ? ` (a ${minutes}-minute run; the goal is stated for 30)` : ''}.
- From load (${fmt(loaded.mb)} MB, before any change) to the end: **${pct(loaded.mb, last)}**.

| heap snapshot | compiled code (MB) | everything else (MB) |
|---|---|---|
| after load | ${fmt(loaded.codeMb)} | ${fmt(loaded.otherMb)} |
| after the warm-up (${warm.changes} changes) | ${fmt(warm.codeMb)} (${pct(loaded.codeMb, warm.codeMb)}) | ${fmt(warm.otherMb)} (${pct(loaded.otherMb, warm.otherMb)}) |
| final | ${fmt(final.codeMb)} (${pct(warm.codeMb, final.codeMb)} since warm-up) | ${fmt(final.otherMb)} (${pct(warm.otherMb, final.otherMb)} since warm-up) |

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
