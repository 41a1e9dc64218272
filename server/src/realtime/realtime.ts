import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeMessage, ChangesInfo, SubscribeAck } from '../contract/events.js';
import { AppError } from '../errors.js';
import { assertCanRead } from '../auth/auth.service.js';
import { SeqReorderBuffer } from './reorder.js';

export interface RealtimeDeps {
  /** Verifies a token and reads the user's current state; throws when it is not valid or the account may not connect. */
  verify(token: string): Promise<SessionUser>;
  /** Throws when the region does not exist. */
  requireRegion(code: string): Promise<unknown>;
  lastSeq(): Promise<number>;
  /** The changes of seqs from..to as the log has them (a hole whose publish never came: its process died). */
  recover?(from: number, to: number): Promise<ChangeMessage[]>;
  /** Socket.IO adapter for several processes (Redis streams); undefined = this process only. */
  adapter?: Parameters<Server['adapter']>[0];
  /** How long a batch collects changes before its `changes` frame goes out (default 20 ms). */
  batchMs?: number;
  /** How long a hole in the seqs holds back the changes after it (default 1 s: a peer process on a loaded machine may publish late). */
  holdMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

/** How long Socket.IO keeps a dropped client's session and the packets sent meanwhile, to replay them. */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/** Rooms of per-change (`change`) subscribers and of batched (`changes`) subscribers. */
const room = (code: string) => `region:${code}`;
const batchRoom = (code: string) => `batch:${code}`;
/** Sockets in more than one batch room: their frame is the union of their rooms' changes, built per socket. */
const MULTI = 'batch:*';
const userRoom = (username: string) => `user:${username}`;
const DISTRICT = '410105';
/** Server-side event that carries a change to the other processes (Redis adapter). */
const PEER_CHANGE = 'peer:change';
const pathOf = (m: ChangeMessage) => (m.regionPath.length ? m.regionPath : [DISTRICT]);
const batchCodesOf = (socket: Socket) => [...socket.rooms].filter((r) => r.startsWith('batch:') && r !== MULTI).map((r) => r.slice(6));

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
 *
 * Every process orders every change — its own and, with the Redis adapter, its peers' (sent as a server-side
 * event) — by seq through a reorder buffer, then emits to its own sockets only. So each socket gets each change
 * once and in seq order whichever process committed it. `change` subscribers get one frame per change at once;
 * `changes` subscribers (`subscribe {region, batch: true}`) get the changes of a short window in one frame.
 */
export class Realtime {
  readonly io: Server;
  private readonly batchMs: number;
  private readonly order: SeqReorderBuffer<ChangeMessage>;
  private batch: ChangeMessage[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  /** Per region code, the last seq sent to its batch room: the next batch carries it as `prev`, so gaps show. */
  private readonly lastSent = new Map<string, number>();
  /** The last seq committed before this process released its first change. */
  private startedAfter: number | undefined;
  /** Batches claim seqs up to here as sent: the buffer skipped them (see onSkip). */
  private skippedThrough = 0;

  constructor(httpServer: HttpServer, private readonly deps: RealtimeDeps) {
    this.io = new Server(httpServer, {
      serveClient: false,
      // Short drops (a wall's Wi-Fi, a phone in a lift) resume with the missed packets replayed by Socket.IO;
      // longer ones catch up through GET /api/events?since=.
      // Every broadcast stays in memory that long: at 200 changes/s, 2 min hold about 40 MB.
      connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: true },
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

    this.batchMs = deps.batchMs ?? 20;
    this.order = new SeqReorderBuffer<ChangeMessage>((m) => this.release(m), {
      holdMs: deps.holdMs ?? 1000,
      // A hole this old means a peer published late or died after its commit: worth a line in the log.
      recover:
        deps.recover &&
        ((from, to) => {
          deps.log?.warn({ from, to }, 'live: seqs held back by a hole, read from the log');
          return deps.recover!(from, to);
        }),
      onSkip: (from, to) => {
        deps.log?.warn({ from, to }, 'live: seqs never published and not readable from the log, skipped; clients catch up themselves');
        // Batches sent from now on claim the skipped seqs as sent, so every batched client sees the gap.
        this.flushBatch();
        this.skippedThrough = to;
      },
    });
    // Changes committed before this process started are not published here: start with the next one.
    deps.lastSeq().then(
      (last) => this.order.start(last + 1),
      () => {}, // the hold timer then starts the buffer at the lowest seq it holds
    );
    if (deps.adapter) this.io.on(PEER_CHANGE, (m: ChangeMessage) => this.order.push(m));
  }

  /** Called once per committed change, after the commit, on the process that committed it. */
  publish(message: ChangeMessage): void {
    if (this.deps.adapter) this.io.serverSideEmit(PEER_CHANGE, message);
    this.order.push(message);
  }

  private release(message: ChangeMessage) {
    this.startedAfter ??= message.seq - 1;
    const rooms = pathOf(message).map(room);
    // An emit nobody hears would still be encoded and kept for connection-state recovery.
    if (this.anyMembers(rooms)) this.io.local.to(rooms).emit('change', message);
    this.batch.push(message);
    this.batchTimer ??= setTimeout(() => this.flushBatch(), this.batchMs);
  }

  private anyMembers(rooms: string[]): boolean {
    const all = this.io.of('/').adapter.rooms;
    return rooms.some((r) => (all.get(r)?.size ?? 0) > 0);
  }

  /**
   * One `changes` frame per subscribed socket for the batch: one encoding per region room (a Socket.IO broadcast
   * is encoded once and the same frame written to each socket), one per socket only for sockets in several batch
   * rooms. `prev` is the seq last sent to the room before this batch: a client holding it has missed nothing,
   * whatever other regions did in between.
   */
  private flushBatch() {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const messages = this.batch;
    if (!messages.length) return;
    this.batch = [];
    const rooms = this.io.of('/').adapter.rooms;
    const byCode = new Map<string, ChangeMessage[]>();
    for (const m of messages) {
      for (const code of pathOf(m)) {
        const list = byCode.get(code);
        if (list) list.push(m);
        else byCode.set(code, [m]);
      }
    }
    const prevOf = (code: string) => Math.max(this.lastSent.get(code) ?? this.startedAfter ?? 0, this.skippedThrough);
    for (const [code, list] of byCode) {
      if (!rooms.get(batchRoom(code))?.size) continue;
      const info: ChangesInfo = { prev: prevOf(code) };
      this.io.local.to(batchRoom(code)).except(MULTI).emit('changes', list, info);
    }
    for (const sid of rooms.get(MULTI) ?? []) {
      const socket = this.io.of('/').sockets.get(sid);
      if (!socket) continue;
      const codes = batchCodesOf(socket);
      const list = messages.filter((m) => pathOf(m).some((c) => codes.includes(c)));
      const info: ChangesInfo = { prev: Math.max(...codes.map(prevOf)) };
      if (list.length) socket.emit('changes', list, info);
    }
    for (const [code, list] of byCode) this.lastSent.set(code, list[list.length - 1].seq);
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
  dropSockets(): void {
    this.io.engine.close();
  }

  /** After the requests in flight have ended: their changes still reached the other processes. */
  async close(): Promise<void> {
    this.order.close();
    clearTimeout(this.batchTimer);
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
      const { region, batch } = (payload ?? {}) as { region?: unknown; batch?: unknown };
      if (typeof region !== 'string' || !REGION_CODE.test(region)) return reply({ ok: false, error: 'bad_region' });
      try {
        assertCanRead(user, region);
        await this.deps.requireRegion(region);
        if (batch === true) {
          await socket.join(batchRoom(region));
          if (batchCodesOf(socket).length > 1) await socket.join(MULTI);
        } else {
          await socket.join(room(region));
        }
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
        await socket.leave(batchRoom(region));
        if (batchCodesOf(socket).length < 2) await socket.leave(MULTI);
        reply({ ok: true, seq: await this.deps.lastSeq() });
      } catch {
        reply({ ok: false, error: 'internal' });
      }
    });
  }
}
