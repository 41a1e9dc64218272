/**
 * Fan-out-only feed for bench/fanout.ts (`feed` scenario): a stand-in peer process on the server's Redis. Every
 * `POST /emit` takes the next seq, stamps `at` = now on a copy of a real change message and sends it to the real
 * server exactly as a peer server process publishes a change it committed (`serverSideEmit('peer:change')` over the
 * Socket.IO Redis streams adapter, server/src/realtime/realtime.ts). The server then orders, batches and emits it
 * to its sockets as it would a peer's change — no database write is involved, so the write path (measured by the
 * `server` scenario) cannot bound the rate. Seqs continue the database's counter (START_SEQ), so they follow the
 * server's reorder buffer; the server process fed this way is used for nothing else.
 *
 * Environment: PORT, TEMPLATE (JSON file of one real change message), REDIS_URL, START_SEQ (the first seq to send).
 */
import fs from 'node:fs';
import { Server } from 'socket.io';
import { emitServer } from './emit-server.js';
import { createRedisAdapter } from '../server/src/realtime/redis.js';

const port = Number(process.env.PORT);
const template = JSON.parse(fs.readFileSync(String(process.env.TEMPLATE), 'utf8')) as Record<string, unknown>;
const redis = await createRedisAdapter(String(process.env.REDIS_URL));
const io = new Server({ adapter: redis.adapter });

const { server } = emitServer(template, Number(process.env.START_SEQ), (message) => io.serverSideEmit('peer:change', message));
server.listen(port, '127.0.0.1');
const stop = () => {
  server.close(() => void redis.close().then(() => process.exit(0)));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(), 1000).unref();
