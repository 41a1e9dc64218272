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

export async function createRedisAdapter(url: string) {
  const client = createRedisClient(url);
  client.on('error', () => {}); // reconnects by itself; an unhandled 'error' event would crash the process
  await client.connect();
  return { client, adapter: createAdapter(client), close: () => client.quit().then(() => undefined, () => undefined) };
}
