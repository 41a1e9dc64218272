/**
 * Change driver for bench/fanout.ts, run as its own process (`node --import tsx bench/driver.ts`, IPC) so its
 * timing does not share an event loop with the 1,000 socket clients.
 *
 * Open loop: change i is due at t0 + i / rate. Due changes are issued over a keep-alive HTTP agent by at most
 * `concurrency` requests in flight, each on a compound that has no request in flight; a change that cannot be
 * issued on time waits (its lateness is reported) — the driver never speeds up to catch up beyond that.
 *
 * Against the real server a change is `PATCH /api/layers/compounds/:id {status, version}` with the token of the
 * coordinator of the compound's grid, cycling normal → pending → in_progress → pending …, the version tracked
 * from each answer (a 409 takes the current version and status from its body). Against the baseline it is
 * `POST /emit`.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { TRANSITIONS } from '../server/src/contract/layers.js';
import { cpuSnapshot, type CpuSnapshot, type CpuTargets } from './proc.js';

export interface DriverItem {
  id: string;
  token: string;
  status: string;
  version: number;
}

export interface DriverConfig {
  kind: 'server' | 'baseline';
  url: string;
  /** Several server processes: requests alternate between these (default: url only). */
  urls?: string[];
  rate: number;
  warmupMs: number;
  durationMs: number;
  /** Load kept on after the window, so the window's last events are delivered under the same load. */
  cooldownMs: number;
  concurrency: number;
  /** Compounds to change (server only); one in-flight request per item. */
  items: DriverItem[];
  /** Epoch ms of the first due change. */
  startAt: number;
  /** Processes whose CPU time is read at the window's start and end. */
  cpuTargets: CpuTargets;
}

export interface DriverResult {
  /** Epoch ms of the window's start and end (by due time). */
  windowStart: number;
  windowEnd: number;
  /** Seqs committed by changes due in the window. */
  windowSeqs: number[];
  /** Seqs committed outside the window (warm-up and cool-down). */
  otherSeqs: number[];
  /** Changes due in the window, and how many of them were issued at all. */
  windowDue: number;
  windowIssued: number;
  windowOk: number;
  /** Changes (due at any time) answered 200 while the window lasted: the sustained rate. */
  okDuringWindow: number;
  /** Changes due in the whole run that were never issued (the driver could not keep up). */
  notIssued: number;
  errors: Record<string, number>;
  /** PATCH (or POST /emit) round trip of window changes, ms, sorted. */
  requestMs: number[];
  /** How late window changes were issued against their due time, ms, sorted. */
  issueLagMs: number[];
  /** Answer arrival − the feature's `updatedAt` (set in the same transaction just before the event row), ms, sorted. */
  commitToResponseMs: number[];
  /** Epoch ms at which each window seq was answered to the driver, by seq. */
  answeredAt: Record<number, number>;
  /** The items as they stand at the end (status, version), for the next run. */
  items: DriverItem[];
  /** CPU snapshots at the window's start and end. */
  cpu: CpuSnapshot[];
}

const now = () => performance.timeOrigin + performance.now();

/** normal → pending → in_progress → pending …; from done / verified back into that loop. */
function nextStatus(status: string): string {
  const allowed = TRANSITIONS.compounds[status] ?? [];
  if (allowed.includes('pending')) return 'pending';
  if (allowed.includes('in_progress')) return 'in_progress';
  return allowed[0];
}

interface Answer {
  status: number;
  body: any;
}

function request(agent: http.Agent, url: URL, method: string, path: string, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: url.hostname, port: url.port, method, path, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

const sorted = (a: number[]) => a.sort((x, y) => x - y);

export async function drive(config: DriverConfig): Promise<DriverResult> {
  const urls = (config.urls?.length ? config.urls : [config.url]).map((u) => new URL(u));
  let issuedCount = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency });
  const interval = 1000 / config.rate;
  const total = Math.floor(((config.warmupMs + config.durationMs + config.cooldownMs) / 1000) * config.rate);
  const items = config.kind === 'server' ? [...config.items] : [];
  const free = items.map((_, i) => i);

  const t0 = Math.max(config.startAt, now());
  const windowStart = t0 + config.warmupMs;
  const windowEnd = windowStart + config.durationMs;
  const phase = (due: number) => (due < windowStart ? 'warmup' : due < windowEnd ? 'window' : 'cooldown');

  const result: DriverResult = {
    windowStart,
    windowEnd,
    windowSeqs: [],
    otherSeqs: [],
    windowDue: 0,
    windowIssued: 0,
    windowOk: 0,
    okDuringWindow: 0,
    notIssued: 0,
    errors: {},
    requestMs: [],
    issueLagMs: [],
    commitToResponseMs: [],
    answeredAt: {},
    items,
    cpu: [],
  };
  const cpuTimers = [windowStart, windowEnd].map((at) =>
    setTimeout(() => result.cpu.push(cpuSnapshot({ ...config.cpuTargets, driver: process.pid }, now())), Math.max(0, at - now())),
  );
  const fail = (key: string) => (result.errors[key] = (result.errors[key] ?? 0) + 1);

  for (let i = 0; i < total; i++) if (phase(t0 + i * interval) === 'window') result.windowDue += 1;
  let next = 0;
  let inFlight = 0;
  const endBy = t0 + config.warmupMs + config.durationMs + config.cooldownMs + 15_000;

  const issue = (i: number) => {
    const due = t0 + i * interval;
    const p = phase(due);
    if (p === 'window') result.windowIssued += 1;
    const issued = now();
    if (p === 'window') result.issueLagMs.push(issued - due);
    inFlight += 1;
    let call: Promise<Answer>;
    let item: DriverItem | undefined;
    let itemIndex = -1;
    if (config.kind === 'server') {
      itemIndex = free.shift()!;
      item = items[itemIndex];
      call = request(
        agent,
        urls[issuedCount++ % urls.length],
        'PATCH',
        `/api/layers/compounds/${encodeURIComponent(item.id)}`,
        { authorization: `Bearer ${item.token}` },
        JSON.stringify({ status: nextStatus(item.status), version: item.version }),
      );
    } else {
      call = request(agent, urls[issuedCount++ % urls.length], 'POST', '/emit', {}, '{}');
    }
    call
      .then(({ status, body }) => {
        const done = now();
        if (status === 200) {
          const seq = body.seq as number;
          if (done >= windowStart && done < windowEnd) result.okDuringWindow += 1;
          if (item) {
            item.version = body.feature.properties.version;
            item.status = body.feature.properties.status;
          }
          if (p === 'window') {
            result.windowSeqs.push(seq);
            result.windowOk += 1;
            result.requestMs.push(done - issued);
            result.answeredAt[seq] = done;
            const at = body.feature?.properties?.updatedAt as string | undefined;
            if (at) result.commitToResponseMs.push(done - Date.parse(at));
          } else result.otherSeqs.push(seq);
        } else {
          fail(`${status} ${body?.error ?? ''}`.trim());
          const current = body?.current?.properties;
          if (item && current) {
            item.version = current.version;
            item.status = current.status;
          }
        }
      })
      .catch((err: Error) => fail(`network ${err.message}`))
      .finally(() => {
        inFlight -= 1;
        if (itemIndex >= 0) free.push(itemIndex);
        pump();
      });
  };

  let timer: NodeJS.Timeout | undefined;
  let finish: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const pump = () => {
    const t = now();
    while (next < total && t0 + next * interval <= t && inFlight < config.concurrency && (config.kind === 'baseline' || free.length > 0)) {
      issue(next);
      next += 1;
    }
    const stopPlanning = t > t0 + config.warmupMs + config.durationMs + config.cooldownMs;
    if ((next >= total || stopPlanning) && inFlight === 0) {
      result.notIssued = total - next;
      if (timer) clearTimeout(timer);
      finish();
      return;
    }
    if (t > endBy) {
      result.notIssued = total - next;
      fail(`still in flight at the deadline: ${inFlight}`);
      finish();
    }
  };
  const tick = () => {
    pump();
    timer = setTimeout(tick, 1);
  };
  const startTimer = setTimeout(tick, Math.max(0, t0 - now()));
  await finished;
  clearTimeout(startTimer);
  if (timer) clearTimeout(timer);
  agent.destroy();
  cpuTimers.forEach(clearTimeout);
  while (result.cpu.length < 2) result.cpu.push(cpuSnapshot({ ...config.cpuTargets, driver: process.pid }, now()));
  sorted(result.requestMs);
  sorted(result.issueLagMs);
  sorted(result.commitToResponseMs);
  result.windowSeqs.sort((a, b) => a - b);
  return result;
}

// As a child process: one config in over IPC, one result out, then exit.
if (process.send && process.env.BENCH_DRIVER === '1') {
  process.once('disconnect', () => process.exit(1));
  process.send({ ready: true });
  process.once('message', (config: DriverConfig) => {
    drive(config).then(
      (r) => process.send!({ ok: true, result: r }, () => process.exit(0)),
      (err: Error) => process.send!({ ok: false, error: String(err?.stack ?? err) }, () => process.exit(1)),
    );
  });
}
