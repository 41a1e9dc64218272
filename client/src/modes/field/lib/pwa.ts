/**
 * The field mode's service worker (vite.config.ts builds it: app shell precached, the field page's reads cached
 * NetworkFirst, photos CacheFirst). Registered only from FieldMode, with the scope /field: the wall and the leader
 * mode are never controlled by it.
 *
 * When the worker first takes control, the reads the page made before it existed went straight to the network and
 * are not in its cache yet; they are fetched once more through it, so that ONE online visit is enough for the
 * next start to work offline. `<html data-field-offline-ready="true">` then says so (e2e tests wait for it).
 */
/// <reference types="vite-plugin-pwa/client" />
import { registerSW } from 'virtual:pwa-register';
import { session } from '../../../lib/state/session.svelte';

/** The worker's runtime caches (vite.config.ts); their keys are URLs, not users. */
const USER_CACHES = ['field-api', 'field-photos'];
const CACHE_USER_KEY = 'jinshui.field.cacheUser';
/** Same paths as the worker's NetworkFirst route. */
const CACHED_READS = /^\/api\/(layers|regions|campaigns|stats|config)(\/|$)/;

let registered = false;

/** Registers the field service worker once per page; a no-op where service workers are unavailable (plain http). */
export function registerFieldServiceWorker(): void {
  // Every mount: field mode remounts after a sign-in, possibly of another coordinator.
  void forgetOtherUsersCaches();
  if (registered || !('serviceWorker' in navigator) || !import.meta.env.PROD) return;
  registered = true;
  const hadController = !!navigator.serviceWorker.controller;
  if (hadController) markOfflineReady();
  else navigator.serviceWorker.addEventListener('controllerchange', () => void warmUp(), { once: true });
  registerSW({
    immediate: true,
    // autoUpdate activates a new build at once; reload onto it only when the coordinator is not looking (a form
    // may be half filled). Queued changes are in IndexedDB either way.
    onNeedReload() {
      if (document.visibilityState === 'hidden') location.reload();
      else document.addEventListener('visibilitychange', () => document.visibilityState === 'hidden' && location.reload());
    },
    onRegisterError(err: unknown) {
      console.warn('field service worker not registered', err);
    },
  });
}

function markOfflineReady(): void {
  document.documentElement.dataset.fieldOfflineReady = 'true';
}

/** Fetches the reads made before the worker controlled the page once more, through it, so it keeps a copy. */
async function warmUp(): Promise<void> {
  const urls = new Set(
    performance
      .getEntriesByType('resource')
      .map((e) => new URL(e.name))
      .filter((u) => u.origin === location.origin && CACHED_READS.test(u.pathname))
      .map((u) => u.pathname + u.search),
  );
  const headers: Record<string, string> = { Accept: 'application/json, application/geo+json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  await Promise.allSettled([...urls].map((u) => fetch(u, { headers }).then((r) => r.arrayBuffer())));
  markOfflineReady();
}

/** A phone handed to another coordinator must not show them the last one's cached grid or photos. */
async function forgetOtherUsersCaches(): Promise<void> {
  const user = session.user?.username ?? '';
  try {
    const previous = localStorage.getItem(CACHE_USER_KEY);
    if (previous !== null && previous !== user && 'caches' in window) await Promise.all(USER_CACHES.map((c) => caches.delete(c)));
    localStorage.setItem(CACHE_USER_KEY, user);
  } catch {
    /* storage unavailable: nothing was cached either */
  }
}
