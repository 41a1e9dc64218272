/**
 * Baseline for bench/fanout.ts: a plain Socket.IO 4.8 server with no database, in its own process like the
 * real server. Every `POST /emit` stands for one committed change: it stamps the next seq and `at` (the
 * "commit" time, ms precision like the real event) onto a copy of a real `change` message captured from the
 * real server (same size, same rooms), emits it to the rooms of its regionPath exactly like
 * server/src/realtime/realtime.ts publish() does, then answers `{ seq }`.
 *
 * Environment: PORT, TEMPLATE (path of a JSON file holding one real change message), RECOVERY=1 to turn on the
 * same connectionStateRecovery as the real server (off by default: a *plain* Socket.IO server), BATCH_MS=N to
 * send the changes of every N ms as one `changes` frame in the server's format (`(messages, {prev})`, what batched
 * clients subscribe for; bench/run.ts sets the server's window) instead of one `change` each.
 */
import fs from 'node:fs';
import { Server } from 'socket.io';
import { emitServer } from './emit-server.js';

const port = Number(process.env.PORT);
const template = JSON.parse(fs.readFileSync(String(process.env.TEMPLATE), 'utf8')) as Record<string, unknown> & { regionPath: string[] };
const recovery = process.env.RECOVERY === '1';
const batchMs = Number(process.env.BATCH_MS ?? 0);
const rooms = template.regionPath.map((c) => `region:${c}`);
let batch: unknown[] = [];
let lastSent = 0;
const send = (message: unknown) => {
  if (!batchMs) return void io.to(rooms).emit('change', message);
  if (!batch.length) {
    setTimeout(() => {
      const messages = batch;
      batch = [];
      // The server's `changes` wire format: the messages, then `{prev}`.
      io.to(rooms).emit('changes', messages, { prev: lastSent });
      lastSent = (messages.at(-1) as { seq: number }).seq;
    }, batchMs);
  }
  batch.push(message);
};

const { server, lastSeq } = emitServer(template, 1, send);

const io = new Server(server, {
  serveClient: false,
  ...(recovery ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true } } : {}),
});
io.use((socket, next) => (typeof socket.handshake.auth?.token === 'string' ? next() : next(new Error('unauthorized'))));
io.on('connection', (socket) => {
  socket.on('subscribe', async (payload: { region?: string } | null, ack?: (a: unknown) => void) => {
    await socket.join(`region:${payload?.region}`);
    if (typeof ack === 'function') ack({ ok: true, seq: lastSeq() });
  });
});

server.listen(port, '127.0.0.1');
const stop = () => {
  io.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Never outlive the benchmark that started this process.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(), 1000).unref();
