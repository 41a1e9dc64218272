import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-streams-adapter';

/**
 * Socket.IO adapter through Redis streams, so several server processes fan out each other's changes. Chosen over
 * the pub/sub adapter because streams keep recent packets, which connection-state recovery needs across processes.
 *
 * While Redis is away the client reconnects forever (backoff capped at 2 s) and queues commands meanwhile: the
 * adapter's blocking XREAD waits in that queue instead of failing in a tight loop, and the changes published
 * meanwhile go out when Redis returns. The queue is bounded; beyond it a publish fails (logged by the adapter
 * only) and clients of other processes fill that gap from GET /api/events, as after any missed message.
 */
const createRedisClient = (url: string) =>
  createClient({
    url,
    socket: { reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
    commandsQueueMaxLength: 10_000,
  });
export type RedisClient = ReturnType<typeof createRedisClient>;

/**
 * The adapter sends server-side events (PUBLISH) and keeps sessions (SET) without awaiting the commands: one in
 * flight when Redis drops rejects unhandled, which ends the process. Both are best effort here — a change whose
 * PUBLISH was lost is read from the event log by the peers' reorder buffers once a later change shows the hole, a
 * lost session means a full reconnect.
 */
function catchUnawaited(client: RedisClient) {
  for (const name of ['publish', 'set'] as const) {
    const command = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(client, { [name]: (...args: unknown[]) => command(...args).catch(() => null) });
  }
}

export async function createRedisAdapter(url: string) {
  const client = createRedisClient(url);
  client.on('error', () => {}); // reconnects by itself; an unhandled 'error' event would crash the process
  catchUnawaited(client);
  await client.connect();
  return { client, adapter: createAdapter(client), close: () => client.quit().then(() => undefined, () => undefined) };
}
