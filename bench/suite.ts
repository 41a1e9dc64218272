/**
 * `npm run bench [-- [scenario …] [options]]`: runs the benchmark scenarios one after another, each in its own
 * process (a scenario starts its own PostgreSQL and server, and nothing of one may warm the next). Each writes its
 * own results file and compares against a baseline it measures in the same run.
 *
 *   fanout   live-update fan-out, 1 and 2 processes, vs plain Socket.IO and bare ws (bench/run.ts → bench/RESULTS.md)
 *   tiles    z14 vector tile over the 10× district vs the bare ST_AsMVT SQL (bench/tiles.ts → bench/RESULTS-tiles.md)
 *   leader   the leader page in Chromium at 1×, 10×, 100×: first full map and bytes (bench/leader-page.ts → bench/RESULTS-leader.md)
 *
 * No scenario named: all of them, and only `--quick` is passed on. One scenario named: every option is passed on
 * (see the options at the top of its script).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const SCENARIOS: Record<string, string> = { fanout: 'run.ts', tiles: 'tiles.ts', leader: 'leader-page.ts', writes: 'writes.ts' };

const argv = process.argv.slice(2);
const named = argv.filter((a) => a in SCENARIOS);
const options = argv.filter((a) => !(a in SCENARIOS));
if (named.length === 0 && options.some((a) => a !== '--quick')) {
  throw new Error(`Name one scenario (${Object.keys(SCENARIOS).join(', ')}) to pass it options other than --quick`);
}
const runs = named.length ? named : Object.keys(SCENARIOS);
const passOn = named.length === 1 ? options : options.filter((a) => a === '--quick');

let failed = 0;
for (const name of runs) {
  console.log(`\n=== bench: ${name} ===`);
  const script = path.join(import.meta.dirname, SCENARIOS[name]);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', script, ...passOn], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`bench ${name} failed (exit ${status})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
