/**
 * `npm run bench [-- [scenario …] [options]]`: runs the benchmark scenarios one after another, each in its own
 * process (a scenario starts its own PostgreSQL and server, and nothing of one may warm the next). Each writes its
 * own results file and compares against a baseline it measures in the same run; at the end one table sums them up.
 *
 *   fanout     live-update fan-out, 1 and 2 processes, vs plain Socket.IO and bare ws (run.ts)
 *   writes     write rate through the HTTP API vs bare SQL (writes.ts)
 *   tiles      z14 vector tile over the 10× district vs the bare ST_AsMVT SQL (tiles.ts)
 *   leader     the leader page in Chromium at 1×, 10×, 100×: first full map and bytes (leader-page.ts)
 *   drilldown  stats and children.geojson at 1×, 10×, 100× vs 1× (drilldown.ts)
 *   import     100,000 points with assignment vs ogr2ogr + the same SQL (import.ts)
 *   wall       /wall bundle and its heap under changes (wall.ts)
 *   start      embedded default: first and warm start, RSS (start.ts)
 *
 * No scenario named: all of them, and only `--quick` is passed on (`npm run bench -- --quick` ≈ a few minutes).
 * One scenario named: every option is passed on (see the options at the top of its script).
 *
 * Adding a scenario is one line in SCENARIOS: name → { script, results }.
 *
 * Summary convention (bench/summary.ts): at the end of a run a scenario writes `.tmp/bench/summary-<name>.json`,
 *   { scenario, results: 'bench/RESULTS-x.md', quick, rows: [{ what, measured, baseline, ratio, target, met }] }
 * with `writeSummary()`; `measured`/`baseline` are strings with their unit, `ratio` a number or null, `met` true,
 * false or null (report only). suite.ts removes the file before the scenario starts, so a stale one never shows;
 * a scenario that writes none is listed as "see <results>".
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fmt, readSummary, summaryFile, type SummaryRow } from './summary.js';

const SCENARIOS: Record<string, { script: string; results: string }> = {
  fanout: { script: 'run.ts', results: 'bench/RESULTS.md' },
  writes: { script: 'writes.ts', results: 'bench/RESULTS-writes.md' },
  tiles: { script: 'tiles.ts', results: 'bench/RESULTS-tiles.md' },
  leader: { script: 'leader-page.ts', results: 'bench/RESULTS-leader.md' },
  drilldown: { script: 'drilldown.ts', results: 'bench/RESULTS-drilldown.md' },
  import: { script: 'import.ts', results: 'bench/RESULTS-import.md' },
  wall: { script: 'wall.ts', results: 'bench/RESULTS-wall.md' },
  start: { script: 'start.ts', results: 'bench/RESULTS-start.md' },
};

const argv = process.argv.slice(2);
const named = argv.filter((a) => a in SCENARIOS);
const options = argv.filter((a) => !(a in SCENARIOS));
if (named.length === 0 && options.some((a) => a !== '--quick')) {
  throw new Error(`Name one scenario (${Object.keys(SCENARIOS).join(', ')}) to pass it options other than --quick`);
}
const runs = named.length ? named : Object.keys(SCENARIOS);
const passOn = named.length === 1 ? options : options.filter((a) => a === '--quick');

interface Outcome {
  name: string;
  status: number | null;
  seconds: number;
}
const outcomes: Outcome[] = [];
for (const name of runs) {
  console.log(`\n=== bench: ${name} ===`);
  fs.rmSync(summaryFile(name), { force: true });
  const script = path.join(import.meta.dirname, SCENARIOS[name].script);
  const t0 = Date.now();
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', script, ...passOn], { stdio: 'inherit' });
  outcomes.push({ name, status, seconds: (Date.now() - t0) / 1000 });
  if (status !== 0) console.error(`bench ${name} failed (exit ${status})`);
}

// One table at the end, from each scenario's summary JSON.
const met = (r: SummaryRow) => (r.met === null ? 'report' : r.met ? 'yes' : '**no**');
const lines = ['| scenario | what | measured | baseline | ratio | target | met? |', '|---|---|---|---|---|---|---|'];
for (const o of outcomes) {
  const summary = readSummary(o.name);
  const label = `${o.name} (${o.seconds.toFixed(0)} s)`;
  if (o.status !== 0) lines.push(`| ${label} | failed (exit ${o.status}) | | | | | |`);
  else if (!summary?.rows.length) lines.push(`| ${label} | see ${SCENARIOS[o.name].results} | | | | | |`);
  else for (const r of summary.rows) lines.push(`| ${label} | ${r.what} | ${r.measured} | ${r.baseline} | ${r.ratio === null ? '—' : `${fmt(r.ratio)}×`} | ${r.target} | ${met(r)} |`);
}
console.log(`\n=== bench summary ===\n${lines.join('\n')}`);
process.exit(outcomes.some((o) => o.status !== 0) ? 1 : 0);
