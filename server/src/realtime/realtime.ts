import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeMessage, SubscribeAck } from '../contract/events.js';
import { AppError } from '../errors.js';
import { assertCanRead } from '../auth/auth.service.js';

export interface RealtimeDeps {
  /** Verifies a token and reads the user's current state; throws when it is not valid or the account may not connect. */
  verify(token: string): Promise<SessionUser>;
  /** Throws when the region does not exist. */
  requireRegion(code: string): Promise<unknown>;
  lastSeq(): Promise<number>;
  /** Socket.IO adapter for several processes (Redis streams); undefined = this process only. */
  adapter?: Parameters<Server['adapter']>[0];
}

const room = (code: string) => `region:${code}`;
const userRoom = (username: string) => `user:${username}`;

/**
 * The handshake refusal: `unauthorized` (what clients test for) when the token or the account is refused, with
 * `data.error` saying why (account_disabled, session_revoked …); `unavailable` when the check itself failed (the
 * database is away), so a client does not drop a good token over it.
 */
function refusal(err: unknown): Error {
  if (!(err instanceof AppError)) return new Error('unavailable');
  const e = new Error('unauthorized') as Error & { data?: { error: string } };
  e.data = { error: err.code };
  return e;
}
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
    this.io.use(async (socket, next) => {
      try {
        socket.data.user = await this.verifySocket(socket);
        next();
      } catch (err) {
        next(refusal(err));
      }
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
  }

  publish(message: ChangeMessage): void {
    const rooms = message.regionPath.length ? message.regionPath.map(room) : [room('410105')];
    this.io.to(rooms).emit('change', message);
  }

  /**
   * Closes every open socket of a user, on every process (the Redis adapter forwards it): called after a disable,
   * a password reset or a role or region change commits. The client is told the server ended the connection, so
   * it does not reconnect by itself; a new handshake is checked against the database again.
   */
  disconnectUser(username: string): void {
    this.io.in(userRoom(username)).disconnectSockets(true);
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

  private async verifySocket(socket: Socket): Promise<SessionUser> {
    const token = socket.handshake.auth?.token;
    if (typeof token !== 'string' || !token) throw new AppError(401, 'unauthorized', 'missing token');
    return this.deps.verify(token);
  }

  private onConnection(socket: Socket) {
    const user = socket.data.user as SessionUser;
    // Handlers are attached synchronously: a client may emit right after `connect`.
    void socket.join(userRoom(user.username));
    // A session recovered after a short drop skips the middleware: check the account again.
    if (socket.recovered) this.verifySocket(socket).catch(() => socket.disconnect(true));
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
    socket.on('unsubscribe', async (payload: unknown, ack?: (a: SubscribeAck) => void) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      const region = (payload as { region?: unknown } | null)?.region;
      if (typeof region !== 'string' || !REGION_CODE.test(region)) return reply({ ok: false, error: 'bad_region' });
      try {
        await socket.leave(room(region));
        reply({ ok: true, seq: await this.deps.lastSeq() });
      } catch {
        reply({ ok: false, error: 'internal' });
      }
    });
  }
}
