/**
 * Second baseline for bench/fanout.ts: a bare `ws` broadcast server — no Socket.IO, no database. It speaks just
 * enough of Engine.IO 4 / Socket.IO 5 over WebSocket (open packet, namespace connect, `subscribe` with
 * acknowledgement, pings) for the same benchmark clients, light and socket.io-client, to connect unchanged; the
 * fan-out itself is the least a Node server can do: encode a frame once, `ws.send` it to every open socket.
 *
 * Like bench/baseline-server.ts, every `POST /emit` stands for one committed change (next seq, `at` = now, a copy of
 * a real change message). BATCH_MS=N (default 0) sends the changes of every N ms as one `changes` frame with the
 * server's `{prev}` second argument; 0 sends one `change` frame per change.
 *
 * Environment: PORT, TEMPLATE (JSON file of one real change message), BATCH_MS.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import { emitServer } from './emit-server.js';

const port = Number(process.env.PORT);
const template = JSON.parse(fs.readFileSync(String(process.env.TEMPLATE), 'utf8')) as Record<string, unknown>;
const batchMs = Number(process.env.BATCH_MS ?? 0);
const subscribed = new Set<WebSocket>();

let lastSent = 0;
let batch: unknown[] = [];
const broadcast = (frame: string) => {
  for (const ws of subscribed) ws.send(frame);
};
const send = (message: { seq: number; at: string }) => {
  if (!batchMs) return broadcast(`42${JSON.stringify(['change', message])}`);
  if (!batch.length) {
    setTimeout(() => {
      const messages = batch;
      batch = [];
      broadcast(`42${JSON.stringify(['changes', messages, { prev: lastSent }])}`);
      lastSent = (messages.at(-1) as { seq: number }).seq;
    }, batchMs);
  }
  batch.push(message);
};

const { server, lastSeq } = emitServer(template, 1, send);

const wss = new WebSocketServer({ server, path: '/socket.io/', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const sid = crypto.randomBytes(15).toString('base64url');
  ws.send(`0${JSON.stringify({ sid, upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1e6 })}`);
  const ping = setInterval(() => ws.send('2'), 25_000);
  ws.on('close', () => {
    clearInterval(ping);
    subscribed.delete(ws);
  });
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    if (text.startsWith('40')) return ws.send(`40${JSON.stringify({ sid: crypto.randomBytes(15).toString('base64url') })}`);
    const ack = /^42(\d+)\[/.exec(text);
    if (ack && text.includes('"subscribe"')) {
      subscribed.add(ws);
      ws.send(`43${ack[1]}${JSON.stringify([{ ok: true, seq: lastSeq() }])}`);
    }
  });
});

server.listen(port, '127.0.0.1');
const stop = () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Never outlive the benchmark that started this process.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(), 1000).unref();
