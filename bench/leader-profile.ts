/**
 * Where the leader page's first full map spends its time (companion of bench/leader-page.ts, which only times it):
 *
 *   npx tsx bench/leader-profile.ts --url http://127.0.0.1:PORT --password P [--runs 3] [--cpu out.cpuprofile] [--css RULES]
 *
 * Against a running server (start it yourself on the database to profile). Per run, a cold Chromium (same flags,
 * viewport and conditions as leader-page.ts) opens `/` signed in as `leader`, and the page reports, in ms from
 * navigation start: the milestones (app code running, layer panel, region ready, MapLibre `load`, map ready, first
 * full map), long tasks, MapLibre frame count, and every request with its start, time to first byte and end.
 * Prints the median of each milestone over the runs, and the request waterfall of the median run.
 * `--cpu FILE` also records a V8 CPU profile of the page (last run), for bench/profile-summary.ts.
 */
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/e2e/browser.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const url = arg('url', 'http://127.0.0.1:3000');
const password = arg('password', 'bench-demo-password');
const runs = Number(arg('runs', '3'));
const cpuOut = arg('cpu', '');
// --css RULES: a style sheet added to the page (what-if: e.g. without animations or backdrop blur).
const css = arg('css', '');

/** Runs in the page before any of its scripts: records when each milestone first holds. */
const PROBE = `(() => {
  const marks = (window.__marks = {});
  const mark = (k) => { if (!(k in marks)) marks[k] = performance.now(); };
  const long = (window.__long = []);
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) long.push([Math.round(e.startTime), Math.round(e.duration)]); })
      .observe({ type: 'longtask', buffered: true });
  } catch {}
  // Every WebGL call that blocks on the GPU process (shader compile and link results), timed and named.
  const gl = (window.__gl = []);
  const names = new WeakMap();
  for (const C of [WebGLRenderingContext, WebGL2RenderingContext]) {
    const P = C.prototype;
    const shaderSource = P.shaderSource, attach = P.attachShader;
    P.shaderSource = function (sh, src) { const m = /SHADER_NAME\s+(\S+)/.exec(src); names.set(sh, m ? m[1] : 'len' + src.length + ':' + src.slice(0, 0)); return shaderSource.call(this, sh, src); };
    P.attachShader = function (pr, sh) { const n = names.get(sh); if (n) names.set(pr, (names.get(pr) ? names.get(pr) + '+' : '') + n); return attach.call(this, pr, sh); };
    for (const f of ['getProgramParameter', 'getShaderParameter', 'getUniformLocation', 'getActiveUniform', 'getError', 'readPixels', 'getParameter', 'linkProgram', 'compileShader']) {
      const orig = P[f];
      P[f] = function (...a) {
        const t = performance.now();
        const r = orig.apply(this, a);
        const d = performance.now() - t;
        if (d > 5) gl.push([Math.round(t), Math.round(d), f, names.get(a[0]) || '']);
        return r;
      };
    }
  }
  let frames = 0, hooked = false;
  const tick = () => {
    if (document.querySelector('#app > *')) mark('app');
    if (document.querySelector('[data-testid="layer-panel"]')) mark('panel');
    if (document.querySelector('.leader[data-status="ready"]')) mark('region');
    if (document.querySelector('[data-map-ready="true"]')) mark('mapReady');
    const map = window.__map;
    if (map) {
      mark('mapCreated');
      if (!hooked) {
        hooked = true;
        map.on('load', () => mark('mapLoad'));
        const painter = map.painter;
        if (painter) {
          const use = painter.useProgram;
          painter.useProgram = function (name, ...rest) {
            const t = performance.now();
            const r = use.call(this, name, ...rest);
            const d = performance.now() - t;
            if (d > 5) gl.push([Math.round(t), Math.round(d), 'maplibre useProgram', name]);
            return r;
          };
        }
        map.on('render', () => { frames++; window.__frames = frames; });
        map.on('idle', () => { (window.__idles = window.__idles || []).push(Math.round(performance.now())); });
      }
    }
    if (document.querySelector('[data-testid="layer-panel"]') && !document.querySelector('[data-testid="layer-panel"] .spinner')
        && document.querySelector('.leader[data-status="ready"]')) mark('noSpinner');
    const full = !!document.querySelector('.leader[data-status="ready"]') && !!document.querySelector('[data-map-ready="true"]') &&
      !!document.querySelector('[data-testid="layer-panel"]') && !document.querySelector('[data-testid="layer-panel"] .spinner') &&
      !!map && map.loaded() && map.areTilesLoaded();
    if (full) { mark('full'); window.__framesAtFull = frames; return; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();`;

interface Req {
  url: string;
  start: number;
  ttfb?: number;
  end?: number;
  bytes?: number;
}

async function token(): Promise<string> {
  const r = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'leader', password }),
  });
  return ((await r.json()) as { token: string }).token;
}

async function run(tok: string, cpu: boolean) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${url}/api/health`);
    await page.evaluate((t) => localStorage.setItem('jinshui.token', t), tok);
    await page.addInitScript(PROBE);
    if (css) await page.addInitScript((rules) => addEventListener('DOMContentLoaded', () => document.head.append(Object.assign(document.createElement('style'), { textContent: rules }))), css);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (cpu) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const reqs = new Map<string, Req>();
    let t0 = 0;
    cdp.on('Network.requestWillBeSent', (e) => {
      if (!t0) t0 = e.timestamp;
      reqs.set(e.requestId, { url: e.request.url, start: (e.timestamp - t0) * 1000 });
    });
    cdp.on('Network.responseReceived', (e) => {
      const r = reqs.get(e.requestId);
      const t = e.response.timing;
      if (r && t) r.ttfb = t.receiveHeadersEnd - t.sendEnd;
    });
    cdp.on('Network.loadingFinished', (e) => {
      const r = reqs.get(e.requestId);
      if (r) Object.assign(r, { end: (e.timestamp - t0) * 1000, bytes: e.encodedDataLength });
    });
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    // Polled from here: the page's CSP forbids the string evaluation waitForFunction does.
    while (!(await page.evaluate('!!(window.__marks && "full" in window.__marks)'))) await page.waitForTimeout(100);
    const cpuSec = cpuByType(process.pid);
    await page.waitForTimeout(300);
    const got = (await page.evaluate(
      '({ marks: window.__marks, long: window.__long, frames: window.__framesAtFull, idles: window.__idles, gl: window.__gl })',
    )) as { marks: Record<string, number>; long: [number, number][]; frames: number; idles: number[]; gl: [number, number, string, string][] };
    if (cpu) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.writeFileSync(cpuOut, JSON.stringify(profile));
    }
    await context.close();
    return { ...got, cpuSec, reqs: [...reqs.values()].filter((r) => !r.url.includes('/api/health')) };
  } finally {
    await browser.close();
  }
}

/** CPU seconds used so far by this process and its children (the browser's processes), by Chromium process type: robust to a busy machine. */
function cpuByType(rootPid: number): Record<string, number> {
  const tick = Number(execFileSync('getconf', ['CLK_TCK']).toString());
  const out: Record<string, number> = {};
  const walk = (pid: number) => {
    let stat: string, cmd: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return;
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const type = pid === rootPid ? 'bench' : !cmd.includes('chromium') ? 'other' : (/--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser');
    const key = type === 'renderer' && cmd.includes('--top-chrome-webui') ? 'webui' : type === 'utility' ? 'utility' : type;
    out[key] = (out[key] ?? 0) + (Number(f[11]) + Number(f[12])) / tick;
    const kids = (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        return [];
      }
    })();
    kids.forEach(walk);
  };
  walk(rootPid);
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const tok = await token();
  await run(tok, false); // warm-up: server caches, PostgreSQL buffers
  const results: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await run(tok, !!cpuOut && i === runs - 1);
    const m = r.marks;
    console.log(
      `run ${i + 1}: ${['app', 'panel', 'mapCreated', 'mapLoad', 'region', 'noSpinner', 'mapReady', 'full'].map((k) => `${k} ${Math.round(m[k] ?? -1)}`).join(', ')}; frames ${r.frames}; long tasks ${r.long.reduce((n, [, d]) => n + d, 0)} ms; CPU s ${Object.entries(r.cpuSec).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' ')}; load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
    );
    results.push(r);
  }
  const keys = Object.keys(results[0].marks);
  console.log('\nmedian:', keys.map((k) => `${k} ${Math.round(median(results.map((r) => r.marks[k] ?? NaN)))}`).join(', '));
  const mid = [...results].sort((a, b) => a.marks.full - b.marks.full)[Math.floor(results.length / 2)];
  console.log(`\nwaterfall of the median run (ms from the document request; ttfb = server time + transfer start):`);
  for (const r of mid.reqs.sort((a, b) => a.start - b.start)) {
    const u = new URL(r.url);
    console.log(
      `${String(Math.round(r.start)).padStart(6)} → ${String(Math.round(r.end ?? -1)).padStart(6)}  ttfb ${String(Math.round(r.ttfb ?? -1)).padStart(5)}  ${((r.bytes ?? 0) / 1024).toFixed(0).padStart(6)} KiB  ${(u.pathname + u.search).slice(0, 110)}`,
    );
  }
  console.log('\nlong tasks (start, ms):', mid.long.map(([s, d]) => `${s}+${d}`).join(' '));
  console.log('idles:', mid.idles?.join(' '));
  console.log(`\nblocking WebGL calls > 5 ms (start+ms): ${mid.gl.reduce((n, g) => n + g[1], 0)} ms in ${mid.gl.length}`);
  for (const g of mid.gl) console.log(`  ${g[0]}+${g[1]} ${g[2]} ${g[3]}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
