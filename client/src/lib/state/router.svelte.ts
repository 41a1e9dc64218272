/**
 * The URL is the state that must survive a reload and be shareable (`/?region=410105001`), so the router holds
 * only what `location` holds and everything else derives from it. pushState never fires `popstate`, hence the
 * explicit sync after navigating.
 */
export type ModeName = 'leader' | 'wall' | 'field' | 'admin';

const MODE_BY_PATH: Record<string, ModeName> = { '/': 'leader', '/wall': 'wall', '/field': 'field', '/admin': 'admin' };

export class Router {
  path = $state(location.pathname);
  search = $state(location.search);

  /** undefined = a path no mode claims (the server falls back to index.html for any path). */
  mode: ModeName | undefined = $derived(MODE_BY_PATH[this.path.replace(/\/+$/, '') || '/']);
  params: URLSearchParams = $derived(new URLSearchParams(this.search));

  constructor() {
    window.addEventListener('popstate', () => this.#sync());
  }

  /** Navigate within the app. Same URL = no new history entry, so repeated clicks don't pile up "back" steps. */
  navigate(href: string, { replace = false }: { replace?: boolean } = {}): void {
    const url = new URL(href, location.href);
    if (url.href === location.href) return;
    history[replace ? 'replaceState' : 'pushState'](null, '', url);
    this.#sync();
  }

  #sync(): void {
    this.path = location.pathname;
    this.search = location.search;
  }
}

export const router = new Router();
