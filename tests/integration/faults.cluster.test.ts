// Two real server processes on one real PostgreSQL + PostGIS and a real redis-server, broken on purpose: Redis
// stopped and restarted, one process killed with SIGKILL (its clients fail over through a TCP proxy standing in
// for nginx), the other stopped with SIGTERM during a slow request. Also: the login limit and CORS across them.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { LiveFeed } from '../../client/src/lib/api/live.js';
import type { ChangeEvent, ChangeMessage } from '../../server/src/contract/events.js';
import { createTestDatabase, openTestDb, type TestDatabase } from '../helpers/db.js';
import { freePort, startRedis, startServerProcess, type Proc } from '../helpers/processes.js';
import { client, login } from '../helpers/api.js';
import { DEMO_PASSWORD } from '../helpers/templates.js';
import { pickWriters, waitFor, writeStream } from '../helpers/faults.js';

type Server = Proc & { url: string };

/** nginx's failover in a few lines: each connection goes to the first upstream that accepts it. */
function failoverProxy(ports: number[]): Promise<{ url: string; close(): void }> {
  const server = net.createServer((inbound) => {
    const tryPort = (i: number) => {
      if (i >= ports.length) return inbound.destroy();
      const out = net.connect(ports[i], '127.0.0.1');
      out.once('error', () => (out.bytesWritten ? inbound.destroy() : tryPort(i + 1)));
      out.once('connect', () => {
        inbound.pipe(out).pipe(inbound);
        out.on('close', () => inbound.destroy());
        inbound.on('close', () => out.destroy());
      });
    };
    inbound.on('error', () => {});
    tryPort(0);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() })),
  );
}

function subscribed(url: string, token: string): Promise<{ socket: Socket; seqs: number[] }> {
  const socket = io(url, { auth: { token }, transports: ['websocket'] });
  const seqs: number[] = [];
  socket.on('change', (m: ChangeMessage) => seqs.push(m.seq));
  return socket.emitWithAck('subscribe', { region: '410105' }).then((ack) => {
    expect(ack.ok).toBe(true);
    return { socket, seqs };
  });
}

describe('faults of a two-process deployment', () => {
  let database: TestDatabase;
  let redis: Server;
  let redisPort: number;
  let a: Server;
  let b: Server;
  let writers: Awaited<ReturnType<typeof pickWriters>>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const db = await openTestDb(database);
    writers = await pickWriters(db, 3);
    await db.close();
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const env = { DATABASE_URL: database.databaseUrl!, REDIS_URL: redis.url, DATA_DIR: database.dataDir, DEMO_PASSWORD };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess({ ...env, CORS_ORIGINS: 'http://portal.example' })]);
  });
  afterAll(async () => {
    // A process that died by itself (not killed or stopped by a test) says why.
    for (const p of [a, b]) if (p && p.child.exitCode !== null && p.child.exitCode !== 0) console.error(`server exited with ${p.child.exitCode}:\n${p.output()}`);
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await database?.drop();
  });

  it('shares the failed-login limit between the processes through Redis', async () => {
    const attempt = (url: string) => client(url).post('/api/auth/login', { username: `nobody-${process.pid}`, password: 'wrong' });
    // 5 failures per username are allowed in all: 3 on A and 2 on B. Each process alone has seen fewer than 5.
    for (const url of [a.url, a.url, a.url, b.url, b.url]) expect((await attempt(url)).status).toBe(401);
    for (const url of [a.url, b.url]) {
      const res = await attempt(url);
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({ error: 'too_many_attempts', message: expect.any(String) });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('sends no CORS headers to a foreign origin by default, and only the listed origins with CORS_ORIGINS', async () => {
    const evil = { origin: 'http://evil.example' };
    const preflight = (url: string, origin: string) =>
      fetch(`${url}/api/layers/compounds`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    for (const res of [
      await fetch(`${a.url}/api/health`, { headers: evil }),
      await fetch(`${a.url}/socket.io/?EIO=4&transport=polling`, { headers: evil }),
      await preflight(a.url, evil.origin),
      await fetch(`${b.url}/api/health`, { headers: evil }),
      await preflight(b.url, evil.origin),
    ]) {
      expect([...res.headers.keys()].filter((h) => h.startsWith('access-control-')), res.url).toEqual([]);
    }
    const open = await preflight(b.url, 'http://portal.example');
    expect(open.status).toBe(204);
    expect(open.headers.get('access-control-allow-origin')).toBe('http://portal.example');
    expect(open.headers.get('access-control-allow-headers')).toContain('authorization');
    const read = await fetch(`${b.url}/api/health`, { headers: { origin: 'http://portal.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('http://portal.example');
  });

  it('keeps serving HTTP and local fan-out without Redis, and fans out across processes again when it returns', { timeout: 120_000 }, async () => {
    const leader = await login(a.url, 'leader');
    const onA = await subscribed(a.url, leader);
    const onB = await subscribed(b.url, leader);
    const w = writers[0];
    const coordinator = client(a.url, await login(a.url, `grid-${w.grid}`));
    let { version, status } = w;
    const patch = async () => {
      const next = status === 'pending' ? 'in_progress' : 'pending';
      const res = await coordinator.patch(`/api/layers/compounds/${w.id}`, { status: next, version });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      ({ version } = res.body.feature.properties);
      status = next;
      return res.body.seq as number;
    };
    try {
      const before = await patch();
      await waitFor('fan-out to both processes', () => onA.seqs.includes(before) && onB.seqs.includes(before));

      await redis.stop();
      const during = await patch(); // HTTP still served, the change committed
      await waitFor('local fan-out without Redis', () => onA.seqs.includes(during));
      expect(a.child.exitCode).toBeNull();
      expect(b.child.exitCode).toBeNull();

      redis = await startRedis(redisPort);
      // Cross-process fan-out resumes by itself once both processes have reconnected.
      let after = 0;
      await waitFor('cross-process fan-out after Redis returned', async () => {
        after = await patch();
        await new Promise((r) => setTimeout(r, 300));
        return onB.seqs.includes(after);
      }, 60_000);
      expect(onA.seqs).toContain(after);
    } finally {
      onA.socket.disconnect();
      onB.socket.disconnect();
    }
  });

  it("reconnects a killed process's clients to the other one, which resyncs them without loss or duplicates", { timeout: 120_000 }, async () => {
    const proxy = await failoverProxy([Number(new URL(a.url).port), Number(new URL(b.url).port)]);
    const token = await login(b.url, 'leader');
    const [{ last: startSeq }] = [(await client(b.url, token).get('/api/events?since=0&limit=1')).body as { last: number }];
    const delivered: number[] = [];
    const statuses: string[] = [];
    const feed = new LiveFeed({
      origin: proxy.url,
      token,
      region: '410105',
      since: startSeq,
      onChange: (c) => delivered.push(c.seq),
      onStatus: (s) => statuses.push(s),
    });
    feed.start();
    try {
      await waitFor('the live client on A', () => statuses.at(-1) === 'live');
      const stream = writeStream(() => b.url, writers.slice(1));
      await waitFor('changes delivered through A', () => delivered.length >= 3);
      a.child.kill('SIGKILL');
      await waitFor('A to die', () => a.child.signalCode === 'SIGKILL');
      const atKill = stream.acks.length;
      await waitFor('changes after the kill', () => stream.acks.length >= atKill + 5);
      await stream.stop();

      const page = await client(b.url, token).get(`/api/events?since=${startSeq}&limit=1000`);
      const seqs = (page.body.events as ChangeEvent[]).map((e) => e.seq);
      // The log may grow after this read (the system resolves alerts the writes cleared): compare up to it.
      await waitFor('the client to resync on B', () => (feed.lastSeq ?? 0) >= page.body.last, 30_000);
      expect(statuses).toContain('down'); // it did lose A
      expect(delivered.filter((s) => s <= page.body.last)).toEqual(seqs);
      for (const ack of stream.acks) expect(seqs).toContain(ack.seq);
    } finally {
      feed.stop();
      proxy.close();
    }
  });

  it('drains a request in flight on SIGTERM, closes its sockets and exits 0', { timeout: 60_000 }, async () => {
    const w = writers[1];
    const coordinator = await login(b.url, `grid-${w.grid}`);
    const current = (await client(b.url, coordinator).get(`/api/layers/compounds/${w.id}`)).body.properties;
    const body = JSON.stringify({ status: current.status === 'pending' ? 'in_progress' : 'pending', version: current.version });
    const { socket } = await subscribed(b.url, await login(b.url, 'leader'));
    socket.io.opts.reconnection = false;
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));

    // A slow client: headers and half the body now, the rest after SIGTERM.
    const port = Number(new URL(b.url).port);
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'PATCH', path: `/api/layers/compounds/${w.id}`, headers: { authorization: `Bearer ${coordinator}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 1500);
    });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => b.child.once('exit', (code) => resolve(code)));
    b.child.kill('SIGTERM');

    const res = await response;
    expect(res.status, res.body).toBe(200);
    expect(await closed).toBe('transport close');
    expect(await exited, b.output()).toBe(0);
  });
});
