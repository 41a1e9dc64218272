/**
 * Encoding costs of one `changes` frame, for the report: Socket.IO's default JSON parser vs
 * socket.io-msgpack-parser, and what per-message deflate would add. A broadcast is encoded once per room, but
 * permessage-deflate compresses per socket (each connection has its own deflate context), so its cost is paid
 * once per client per frame.
 */
import zlib from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { Encoder as JsonEncoder, PacketType } from 'socket.io-parser';
import * as msgpackParser from 'socket.io-msgpack-parser';

export interface CodecCosts {
  changesPerFrame: number;
  json: { bytes: number; encodeUs: number };
  msgpack: { bytes: number; encodeUs: number };
  /** Raw deflate of the JSON frame (what permessage-deflate does per socket). */
  deflate: { bytes: number; us: number };
}

function timeUs(fn: () => unknown, n = 2000): number {
  for (let i = 0; i < 200; i++) fn();
  const t = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t) * 1000) / n;
}

export function codecCosts(template: Record<string, unknown>, changesPerFrame = 4): CodecCosts {
  const messages = Array.from({ length: changesPerFrame }, (_, i) => ({ ...template, seq: 1000 + i, at: new Date().toISOString() }));
  const packet = () => ({ type: PacketType.EVENT, nsp: '/', data: ['changes', messages, { prev: 999 }] });
  const json = new JsonEncoder();
  const msgpack = new (msgpackParser as unknown as { Encoder: new () => { encode(p: unknown): Uint8Array[] } }).Encoder();
  const jsonFrame = json.encode(packet())[0] as string;
  const msgpackFrame = msgpack.encode(packet())[0] as Uint8Array;
  const deflated = zlib.deflateRawSync(jsonFrame);
  return {
    changesPerFrame,
    json: { bytes: Buffer.byteLength(jsonFrame), encodeUs: timeUs(() => json.encode(packet())) },
    msgpack: { bytes: msgpackFrame.byteLength, encodeUs: timeUs(() => msgpack.encode(packet())) },
    deflate: { bytes: deflated.byteLength, us: timeUs(() => zlib.deflateRawSync(jsonFrame), 500) },
  };
}
