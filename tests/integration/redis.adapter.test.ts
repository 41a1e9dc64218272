// The Socket.IO Redis adapter against a real redis-server that dies while the process publishes: the adapter
// fires some commands without awaiting them, and one in flight when the connection drops must not end the process.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { createRedisAdapter } from '../../server/src/realtime/redis.js';
import { startRedis } from '../helpers/processes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis adapter', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  it('keeps the process up when Redis dies with server-side events and sessions in flight', async () => {
    process.on('unhandledRejection', onUnhandled);
    const redis = await startRedis();
    const redisAdapter = await createRedisAdapter(redis.url);
    const httpServer = http.createServer();
    const io = new Server(httpServer, { adapter: redisAdapter.adapter, connectionStateRecovery: {} });
    const nsp = io.of('/').adapter as unknown as { persistSession(s: object): void };
    let sent = 0;
    // What a loaded process does all the time: a peer change per commit, a session per dropped client.
    const load = setInterval(() => {
      for (let i = 0; i < 20; i++, sent++) {
        io.serverSideEmit('peer:change', { seq: sent });
        nsp.persistSession({ pid: `p${sent}`, sid: `s${sent}`, rooms: [], data: {} });
      }
    }, 1);
    try {
      await sleep(300);
      redis.child.kill('SIGKILL');
      await sleep(1500);
    } finally {
      clearInterval(load);
      io.close();
      await redisAdapter.close();
    }
    expect(sent).toBeGreaterThan(100);
    expect(unhandled).toEqual([]);
  });
});
