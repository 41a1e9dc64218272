/**
 * The field mode's offline copy of what it last read (points of my grids, grid names and outlines, campaigns and
 * their targets), in IndexedDB. A coordinator on a weak network reloads the page while offline and still sees
 * their grid: every read goes to the server first and falls back to this copy only when no answer arrived
 * (a 4xx/5xx is a real answer and is not papered over).
 *
 * Entries are per user, so a shared phone never shows one coordinator's grid to the next.
 */
import { openDB, type IDBPDatabase } from 'idb';
import { ApiError } from '../../../lib/api/http';

// Its own database: the outbox (lib/outbox.svelte.ts) owns 'jinshui-field' and its schema version.
const DB_NAME = 'jinshui-field-reads';
const STORE = 'reads';

interface CachedRead<T> {
  value: T;
  savedAt: string;
}

let dbPromise: Promise<IDBPDatabase> | null = null;

function db(): Promise<IDBPDatabase> {
  dbPromise ??= openDB(DB_NAME, 1, {
    upgrade(d) {
      d.createObjectStore(STORE);
    },
  });
  return dbPromise;
}

/** No answer at all (offline, server down, timeout): the case the offline copy is for. */
export const isUnreachable = (e: unknown): boolean => e instanceof ApiError && (e.code === 'network_error' || e.code === 'timeout');

export interface Read<T> {
  value: T;
  /** Set when the value came from the offline copy: when it was saved. */
  offlineSince?: string;
}

/**
 * Reads from the server and keeps a copy under `key`; without an answer, returns the copy (or rethrows when
 * there is none). With `merge`, the answer is first merged with the copy: offline, the service worker may answer
 * with its own older copy of a read, while this one was kept current by live changes and landed writes.
 * IndexedDB failures (private mode, quota) never break the online path.
 */
export async function readThrough<T>(user: string, key: string, load: () => Promise<T>, merge?: (fresh: T, kept: T) => T): Promise<Read<T>> {
  const k = `${user}|${key}`;
  let value: T;
  try {
    value = await load();
  } catch (e) {
    if (!isUnreachable(e)) throw e;
    const cached = await readCopy<T>(k);
    if (!cached) throw e;
    return { value: cached.value, offlineSince: cached.savedAt };
  }
  if (merge) {
    const kept = await readCopy<T>(k);
    if (kept) value = merge(value, kept.value);
  }
  void db()
    .then((d) => d.put(STORE, { value, savedAt: new Date().toISOString() } satisfies CachedRead<T>, k))
    .catch(() => undefined);
  return { value };
}

async function readCopy<T>(k: string): Promise<CachedRead<T> | undefined> {
  return (await db()
    .then((d) => d.get(STORE, k))
    .catch(() => undefined)) as CachedRead<T> | undefined;
}

/** Updates the copy in place (a live change or a landed write), so an offline reload shows the newest state. */
export async function updateCached<T>(user: string, key: string, update: (value: T) => T): Promise<void> {
  const k = `${user}|${key}`;
  try {
    const d = await db();
    const cached = (await d.get(STORE, k)) as CachedRead<T> | undefined;
    if (cached) await d.put(STORE, { ...cached, value: update(cached.value) }, k);
  } catch {
    /* the next online read refreshes the copy */
  }
}
