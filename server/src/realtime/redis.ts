import { createClient } from 'redis';
import { createAdapter } from '@socket.io/redis-streams-adapter';

/**
 * Socket.IO adapter through Redis streams, so several server processes fan out each other's changes. Chosen over
 * the pub/sub adapter because streams keep recent packets, which connection-state recovery needs across processes.
 */
export async function createRedisAdapter(url: string) {
  const client = createClient({ url });
  client.on('error', () => {}); // reconnects by itself; an unhandled 'error' event would crash the process
  await client.connect();
  return { adapter: createAdapter(client), close: () => client.quit().then(() => undefined, () => undefined) };
}
