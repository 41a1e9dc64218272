/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`, or `node --cpu-prof`): where the server's
 * time went, by package / source file (self time) and by function (self and inclusive time).
 *
 *   npx tsx bench/profile-summary.ts .tmp/bench/profiles/CPU.<…>.cpuprofile [--top 25] [--from S --to S]
 *
 * --from/--to restrict to a slice of the profile (seconds from its start), e.g. a measured window.
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^\d+(\.\d+)?$/.test(a));
if (!file) {
  console.error('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile [--top N] [--from S --to S]');
  process.exit(1);
}
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const top = opt('top', 25);
const from = opt('from', 0) * 1e6;
const to = opt('to', Infinity) * 1e6;

const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** Package or source-file bucket of a frame. */
function bucket(f: CallFrame): string {
  if (!f.url) return f.functionName.startsWith('(') ? f.functionName : '(native / builtin)';
  const nm = f.url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = f.url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (f.url.startsWith('node:')) return f.url;
  const src = f.url.indexOf('/server/src/');
  if (src >= 0) return f.url.slice(src + 1);
  return f.url.replace(/^file:\/\//, '');
}
const fnKey = (f: CallFrame) => `${f.functionName || '(anonymous)'}  ${bucket(f)}:${f.lineNumber + 1}`;

const self = new Map<string, number>();
const selfBucket = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  const rel = t - profile.startTime;
  if (rel < from || rel > to) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  const node = byId.get(profile.samples[i])!;
  total += dt;
  const k = fnKey(node.callFrame);
  self.set(k, (self.get(k) ?? 0) + dt);
  const b = bucket(node.callFrame);
  selfBucket.set(b, (selfBucket.get(b) ?? 0) + dt);
  const seen = new Set<string>();
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const key = fnKey(byId.get(id)!.callFrame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}

const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)} %`;
const ms = (v: number) => `${(v / 1000).toFixed(0).padStart(7)} ms`;
const list = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(v)} ${ms(v)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
const idle = (self.get(fnKey({ functionName: '(idle)', url: '', lineNumber: -1 })) ?? 0) / total;
console.log(`busy (not idle): ${(100 * (1 - idle)).toFixed(1)} %`);
list('Self time by package / file', selfBucket, top);
list('Self time by function', self, top);
list('Inclusive time by function', inclusive, top);
