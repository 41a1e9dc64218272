import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeMessage, SubscribeAck } from '../contract/events.js';
import { AppError } from '../errors.js';
import { assertCanRead } from '../auth/auth.service.js';

export interface RealtimeDeps {
  /** Verifies a token; throws when it is not valid. */
  verify(token: string): SessionUser;
  /** Throws when the region does not exist. */
  requireRegion(code: string): Promise<unknown>;
  lastSeq(): Promise<number>;
  /** Socket.IO adapter for several processes (Redis streams); undefined = this process only. */
  adapter?: Parameters<Server['adapter']>[0];
}

const room = (code: string) => `region:${code}`;
const REGION_CODE = /^[0-9]{6,16}$/;

/**
 * Socket.IO fan-out: one room per region; a change goes to the rooms of its region and every ancestor, so a
 * wall subscribed to the district and a leader subscribed to a street both get it, once per socket.
 */
export class Realtime {
  readonly io: Server;

  constructor(httpServer: HttpServer, private readonly deps: RealtimeDeps) {
    this.io = new Server(httpServer, {
      serveClient: false,
      // Short drops (a wall's Wi-Fi, a phone in a lift) resume with the missed packets replayed by Socket.IO;
      // longer ones catch up through GET /api/events?since=.
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true },
      ...(deps.adapter ? { adapter: deps.adapter } : {}),
    });
    this.io.use((socket, next) => {
      try {
        const token = socket.handshake.auth?.token;
        if (typeof token !== 'string' || !token) throw new Error('missing token');
        socket.data.user = deps.verify(token);
        next();
      } catch {
        next(new Error('unauthorized'));
      }
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
  }

  publish(message: ChangeMessage): void {
    const rooms = message.regionPath.length ? message.regionPath.map(room) : [room('410105')];
    this.io.to(rooms).emit('change', message);
  }

  /**
   * Drops this process's connections at the transport level, so clients see a lost connection and reconnect
   * (to this process after a restart, or to another one) — a server-side `disconnect` would tell them not to.
   * Fastify closes the HTTP server itself; io.close() would close it a second time.
   */
  async close(): Promise<void> {
    this.io.engine.close();
    await this.io.of('/').adapter.close();
  }

  private onConnection(socket: Socket) {
    const user = socket.data.user as SessionUser;
    socket.on('subscribe', async (payload: unknown, ack?: (a: SubscribeAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const region = (payload as { region?: unknown } | null)?.region;
      if (typeof region !== 'string' || !REGION_CODE.test(region)) return reply({ ok: false, error: 'bad_region' });
      try {
        assertCanRead(user, region);
        await this.deps.requireRegion(region);
        await socket.join(room(region));
        reply({ ok: true, seq: await this.deps.lastSeq() });
      } catch (err) {
        reply({ ok: false, error: err instanceof AppError ? err.code : 'internal' });
      }
    });
    socket.on('unsubscribe', async (payload: unknown) => {
      const region = (payload as { region?: unknown } | null)?.region;
      if (typeof region === 'string') await socket.leave(room(region));
    });
  }
}
