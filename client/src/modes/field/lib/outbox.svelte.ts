/**
 * 待发送队列 (outbox): the ONLY write path of field mode. Every status change a coordinator makes is first stored
 * in IndexedDB, then sent — at once when online, later when not — so nothing typed in a basement is lost, a reload
 * keeps it, and a retry after an ambiguous failure never applies twice (the PATCH carries the entry's key as
 * `Idempotency-Key`; the server returns the first answer to a repeat).
 *
 * Sending rules:
 * - strictly in order, one request at a time: a photo first (POST …/photos; its id is the sha256 of the bytes, so
 *   a repeated upload stores nothing twice), then the PATCH with `photos: [id]`;
 * - no answer, a timeout, 401 (sign in again), 408, 429 or 5xx: the entry stays pending and the flush stops;
 *   it is retried on the `online` event, when the page becomes visible, and on a timer (15 s doubling to 2 min)
 *   that first asks /api/health whether the server can be reached at all (`online`);
 * - 409: the entry becomes a 'conflict' carrying the server's current feature; the user re-applies it on top of
 *   that (reapply) or drops it. Later entries for the SAME point wait behind it; other points go on;
 * - any other 4xx: 'failed' with the server's error, shown until dropped; it blocks its point the same way;
 * - 200: removed, and onLanded listeners hear of it. Later entries of that point were made on top of this one's
 *   outcome, so they are rebased on the version it produced.
 * Entries belong to the user who made them: only theirs are shown and sent while they are signed in.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { LayerName } from '$contract/layers';
import type { PatchResult, StatusPatch } from '$contract/events';
import { PHOTO_MAX_BYTES, type PhotoRef } from '$contract/photos';
import { ApiError, postBytes, sendJson } from '../../../lib/api/http';
import type { PointFeature } from '../../../lib/api/points';
import { session } from '../../../lib/state/session.svelte';

export type OutboxState = 'pending' | 'sending' | 'conflict' | 'failed';

export interface OutboxEntry {
  /** uuid, sent as Idempotency-Key. */
  key: string;
  layer: LayerName;
  featureId: string;
  featureName: string;
  status: string;
  note?: string;
  /** The feature version the change was made on. */
  version: number;
  photo?: Blob;
  createdAt: string;
  state: OutboxState;
  error?: { code: string; message: string };
  /** On 409: the server's current feature. */
  current?: PointFeature;
  /** Position in the queue (ascending); a re-applied entry keeps its predecessor's. */
  order: number;
  /** Who made it: only they send it. */
  username: string;
  /** Id of the photo once uploaded, so a retry after a reload need not upload it again. */
  photoId?: string;
  /** A micro-wish claimed: the claiming member unit (StatusPatch.claimedBy). */
  claimedBy?: string;
}

export type NewOutboxEntry = Pick<OutboxEntry, 'layer' | 'featureId' | 'featureName' | 'status' | 'note' | 'version' | 'photo' | 'claimedBy'>;

export interface Landed {
  entry: OutboxEntry;
  feature: PointFeature;
  seq: number;
}

export interface OutboxOptions {
  /** IndexedDB database name (tests may use their own). */
  dbName?: string;
  /** First retry delay after a transient failure; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

interface OutboxSchema extends DBSchema {
  entries: { key: string; value: OutboxEntry };
}

const DB_NAME = 'jinshui-field';
const STORE = 'entries';
/** Several tabs of field mode share one outbox: one sends at a time (Web Locks), the others hear of changes. */
const LOCK_NAME = 'jinshui-outbox-flush';
const CHANNEL_NAME = 'jinshui-outbox';
/** A photo of up to 8 MB over a weak mobile uplink. */
const PHOTO_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 8_000;

/** crypto.randomUUID exists only in secure contexts; a phone on a LAN over plain http is not one. */
function uuid(): string {
  if (typeof crypto.randomUUID === 'function' && globalThis.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Failures that say nothing about the request itself: keep the entry and try again later. */
function isTransient(err: ApiError): boolean {
  return err.status === 0 || err.code === 'bad_response' || err.status === 401 || err.status === 408 || err.status === 429 || err.status >= 500;
}

/**
 * The image type from the first bytes, as the server checks it (a phone's File may carry an empty or wrong type);
 * anything else keeps the Blob's own type and the server refuses it (415: 'failed', visible).
 */
async function photoType(photo: Blob): Promise<string> {
  const b = new Uint8Array(await photo.slice(0, 12).arrayBuffer());
  const ascii = (from: number, to: number) => String.fromCharCode(...b.slice(from, to));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image/png';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  return photo.type || 'application/octet-stream';
}

const pointOf = (e: Pick<OutboxEntry, 'layer' | 'featureId'>) => `${e.layer}/${e.featureId}`;
const enc = encodeURIComponent;

export class Outbox {
  /** Every stored entry of every user, oldest first. */
  #all = $state.raw<OutboxEntry[]>([]);
  /** The signed-in user's entries, oldest first. */
  entries: OutboxEntry[] = $derived(this.#all.filter((e) => e.username === session.user?.username));
  /** Not yet landed (pending, sending, conflict or failed). */
  count: number = $derived(this.entries.length);
  /**
   * Whether the server can be reached: the browser's guess (navigator.onLine and its events) corrected by what
   * the last request or probe of /api/health found (a phone on Wi-Fi without internet is "online" to the browser).
   */
  online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** Resolves once the stored entries are loaded. */
  readonly ready: Promise<void>;

  readonly #options: Required<OutboxOptions>;
  #db!: IDBPDatabase<OutboxSchema>;
  #listeners = new Set<(r: Landed) => void>();
  #running: Promise<void> | undefined;
  #again = false;
  #sendingKey: string | undefined;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #lastOrder = 0;
  #channel: BroadcastChannel | undefined;
  #cleanup: (() => void)[] = [];

  constructor(options: OutboxOptions = {}) {
    this.#options = { dbName: DB_NAME, retryMs: 15_000, maxRetryMs: 120_000, ...options };
    this.ready = this.#open();
    if (typeof window !== 'undefined') {
      const on = (target: EventTarget, type: string, fn: () => void) => {
        target.addEventListener(type, fn);
        this.#cleanup.push(() => target.removeEventListener(type, fn));
      };
      on(window, 'online', () => {
        this.#failures = 0;
        void this.#wake();
      });
      on(window, 'offline', () => {
        this.online = false;
        this.#scheduleRetry();
      });
      // A phone brought back to the foreground is the moment a coordinator looks at what is still queued.
      on(document, 'visibilitychange', () => {
        if (document.visibilityState === 'visible') void this.#wake();
      });
    }
    if (typeof BroadcastChannel !== 'undefined') {
      this.#channel = new BroadcastChannel(`${CHANNEL_NAME}:${this.#options.dbName}`);
      this.#channel.onmessage = () => void this.ready.then(() => this.#reload(), () => undefined);
    }
    this.ready.catch((err) => console.error('outbox: IndexedDB is unavailable', err));
    void this.#probe().then((reachable) => reachable || this.#scheduleRetry());
    // Send on start and whenever a user signs in (again): a 401 left their entries pending.
    this.#cleanup.push(
      $effect.root(() => {
        $effect(() => {
          if (session.token && session.user) void this.flush();
        });
      }),
    );
  }

  async #open(): Promise<void> {
    this.#db = await openDB<OutboxSchema>(this.#options.dbName, 1, {
      upgrade(db) {
        db.createObjectStore(STORE, { keyPath: 'key' });
      },
    });
    await this.#reload();
  }

  /** Reads the stored entries again (another tab may have changed them). */
  async #reload(): Promise<void> {
    const rows = await this.#db.getAll(STORE);
    rows.sort((a, b) => a.order - b.order);
    this.#lastOrder = Math.max(this.#lastOrder, ...rows.map((r) => r.order));
    this.#all = rows.map((r) => (r.key === this.#sendingKey ? { ...r, state: 'sending' as const } : r));
  }

  #changed(): void {
    this.#channel?.postMessage('changed');
  }

  /** Replaces an entry in memory (a new array: entries are $state.raw). */
  #patchLocal(key: string, change: Partial<OutboxEntry>): void {
    this.#all = this.#all.map((e) => (e.key === key ? { ...e, ...change } : e));
  }

  /** Stores the entry ('sending' is never stored: after a reload it is simply pending again). */
  async #put(entry: OutboxEntry): Promise<void> {
    await this.#db.put(STORE, { ...entry, state: entry.state === 'sending' ? 'pending' : entry.state });
  }

  /** Stores a change, then sends it (at once when online). Resolves when it is safely stored. */
  async enqueue(e: NewOutboxEntry): Promise<void> {
    await this.ready;
    const username = session.user?.username;
    if (!username) throw new ApiError(401, 'unauthorized', 'Sign in before making changes');
    // Said now, while the user can still pick a smaller picture, not later as a failed entry.
    if (e.photo && e.photo.size > PHOTO_MAX_BYTES) {
      throw new ApiError(413, 'payload_too_large', `The photo is larger than ${PHOTO_MAX_BYTES / 1024 / 1024} MB`);
    }
    this.#lastOrder = Math.max(this.#lastOrder + 1, Date.now());
    const entry: OutboxEntry = {
      key: uuid(),
      layer: e.layer,
      featureId: e.featureId,
      featureName: e.featureName,
      status: e.status,
      ...(e.note?.trim() ? { note: e.note.trim() } : {}),
      version: e.version,
      ...(e.photo ? { photo: e.photo } : {}),
      ...(e.claimedBy ? { claimedBy: e.claimedBy } : {}),
      createdAt: new Date().toISOString(),
      state: 'pending',
      order: this.#lastOrder,
      username,
    };
    await this.#put(entry);
    this.#all = [...this.#all, entry];
    this.#changed();
    void this.flush();
  }

  /**
   * Sends what can be sent, in order. Concurrent calls share one run (a call made during a pass makes it go
   * round once more, so an entry enqueued meanwhile is not left behind).
   */
  flush(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        // No IndexedDB (logged at start): nothing was stored, so there is nothing to send.
        if (!(await this.ready.then(() => true, () => false))) return;
        // A call made during a pass gets one more pass of its own, even if this one stopped on a network
        // failure: the caller may know better (the user pressed "retry", the network just came back).
        do {
          this.#again = false;
          await this.#locked(() => this.#run());
        } while (this.#again);
      } finally {
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** A conflict, made again on top of the server's current version: same status, note and photo, a new key. */
  async reapply(key: string): Promise<void> {
    await this.ready;
    const old = this.#all.find((e) => e.key === key);
    if (!old || old.state !== 'conflict' || !old.current) return;
    const { error: _e, current, ...rest } = old;
    const next: OutboxEntry = { ...rest, key: uuid(), version: current.properties.version, state: 'pending', createdAt: new Date().toISOString() };
    const tx = this.#db.transaction(STORE, 'readwrite');
    await Promise.all([tx.store.delete(key), tx.store.put(next), tx.done]);
    this.#all = this.#all.map((e) => (e.key === key ? next : e));
    this.#changed();
    void this.flush();
  }

  /** Forgets an entry that is not being sent (typically a conflict or a failure the user gave up on). */
  async drop(key: string): Promise<void> {
    await this.ready;
    if (key === this.#sendingKey) return;
    await this.#db.delete(STORE, key);
    this.#all = this.#all.filter((e) => e.key !== key);
    this.#changed();
  }

  /** Called after each entry lands; returns the unsubscribe function. */
  onLanded(cb: (r: Landed) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Stops timers and listeners (tests; the app keeps one outbox for the page's life). */
  close(): void {
    clearTimeout(this.#retryTimer);
    for (const fn of this.#cleanup) fn();
    this.#channel?.close();
    this.#db?.close();
  }

  /** One tab flushes at a time; browsers without Web Locks just run. */
  async #locked(fn: () => Promise<boolean>): Promise<boolean> {
    if (typeof navigator !== 'undefined' && navigator.locks) return navigator.locks.request(LOCK_NAME, fn);
    return fn();
  }

  /** One pass over the queue; false when it stopped on a transient failure. */
  async #run(): Promise<boolean> {
    const username = session.user?.username;
    if (!username || !session.token) return true;
    await this.#reload();
    const blocked = new Set<string>();
    for (const snapshot of this.#all.filter((e) => e.username === username)) {
      // The stored copy, not the snapshot: an earlier landing may have rebased it, another tab may have dropped it.
      const entry = await this.#db.get(STORE, snapshot.key);
      if (!entry) continue;
      const point = pointOf(entry);
      if (entry.state !== 'pending') blocked.add(point);
      if (blocked.has(point)) continue;
      const outcome = await this.#send(entry);
      if (outcome === 'stop') {
        this.#scheduleRetry();
        return false;
      }
      if (outcome === 'blocked') blocked.add(point);
    }
    this.#failures = 0;
    clearTimeout(this.#retryTimer);
    return true;
  }

  async #send(entry: OutboxEntry): Promise<'landed' | 'blocked' | 'stop'> {
    this.#sendingKey = entry.key;
    this.#patchLocal(entry.key, { state: 'sending' });
    const base = `/api/layers/${entry.layer}/${enc(entry.featureId)}`;
    try {
      let photoId = entry.photoId;
      if (entry.photo && !photoId) {
        const ref = await postBytes<PhotoRef>(`${base}/photos`, entry.photo, await photoType(entry.photo), { timeoutMs: PHOTO_TIMEOUT_MS });
        photoId = ref.id;
        await this.#put({ ...entry, photoId });
        this.#patchLocal(entry.key, { photoId });
      }
      const patch: StatusPatch = {
        status: entry.status,
        version: entry.version,
        ...(entry.note ? { note: entry.note } : {}),
        ...(photoId ? { photos: [photoId] } : {}),
        ...(entry.claimedBy ? { claimedBy: entry.claimedBy } : {}),
      };
      const result = await sendJson<PatchResult>('PATCH', base, patch, { headers: { 'Idempotency-Key': entry.key } });
      this.online = true;
      const feature = result.feature as PointFeature;
      await this.#landed(entry, feature);
      const landed: OutboxEntry = { ...entry, ...(photoId ? { photoId } : {}) };
      for (const cb of this.#listeners) {
        try {
          cb({ entry: landed, feature, seq: result.seq });
        } catch (err) {
          console.error('outbox onLanded listener failed', err);
        }
      }
      return 'landed';
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));
      if (err.code === 'network_error' || err.code === 'timeout') this.online = false;
      else if (err.status > 0) this.online = true;
      if (err.code === 'client_error' || isTransient(err)) {
        this.#patchLocal(entry.key, { state: 'pending' });
        return 'stop';
      }
      const stored = (await this.#db.get(STORE, entry.key)) ?? entry;
      const error = { code: err.code, message: err.message };
      const current = err.status === 409 ? (err.body?.current as PointFeature | undefined) : undefined;
      const next: OutboxEntry = current ? { ...stored, state: 'conflict', error, current } : { ...stored, state: 'failed', error };
      await this.#put(next);
      this.#patchLocal(entry.key, next);
      this.#changed();
      return 'blocked';
    } finally {
      this.#sendingKey = undefined;
    }
  }

  /** Removes a landed entry and rebases the later entries of its point on the version it produced. */
  async #landed(entry: OutboxEntry, feature: PointFeature): Promise<void> {
    const version = feature.properties.version;
    const tx = this.#db.transaction(STORE, 'readwrite');
    const later = (await tx.store.getAll()).filter((e) => e.key !== entry.key && pointOf(e) === pointOf(entry) && e.order > entry.order);
    await Promise.all([tx.store.delete(entry.key), ...later.map((e) => tx.store.put({ ...e, version })), tx.done]);
    const rebased = new Set(later.map((e) => e.key));
    this.#all = this.#all.filter((e) => e.key !== entry.key).map((e) => (rebased.has(e.key) ? { ...e, version } : e));
    this.#changed();
  }

  /** Asks the server whether it can be reached (GET /api/health: public, never cached by the service worker). */
  async #probe(): Promise<boolean> {
    try {
      await fetch('/api/health', { cache: 'no-store', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
      this.online = true;
    } catch {
      this.online = false;
    }
    return this.online;
  }

  /** Looks again: sends what is queued when the server answers, else tries later. */
  async #wake(): Promise<void> {
    if (await this.#probe()) await this.flush();
    else this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    clearTimeout(this.#retryTimer);
    const delay = Math.min(this.#options.retryMs * 2 ** this.#failures, this.#options.maxRetryMs);
    this.#failures += 1;
    this.#retryTimer = setTimeout(() => void this.#wake(), delay);
  }
}

/** The page's one outbox (field mode imports it; the first import opens the database and starts sending). */
export const outbox = new Outbox();

declare global {
  interface Window {
    /** The field outbox, exposed for e2e tests and for inspecting a phone remotely (like `window.__map`). */
    __outbox?: Outbox;
  }
}
if (typeof window !== 'undefined') window.__outbox = outbox;
