/**
 * The search box's state: the text typed, and the answer of GET /api/search for it. Requests wait for a pause
 * in typing and a newer one aborts the older, so results never arrive out of order.
 */
import type { SearchResult } from '$contract/regions';
import { ApiError } from '../../../lib/api/http';
import { search } from '../../../lib/api/points';

const DEBOUNCE_MS = 250;
/** The server's limit on `q` (server/src/search/search.routes.ts). */
const MAX_LENGTH = 50;

export class SearchState {
  query = $state('');
  results = $state.raw<SearchResult | null>(null);
  /** The query `results` answer. */
  answered = $state('');
  status = $state<'idle' | 'searching' | 'ready' | 'error'>('idle');
  error = $state.raw<ApiError | null>(null);

  #timer: ReturnType<typeof setTimeout> | undefined;
  #abort: AbortController | null = null;

  set(query: string): void {
    this.query = query;
    clearTimeout(this.#timer);
    this.#abort?.abort();
    const q = query.trim().slice(0, MAX_LENGTH);
    if (!q) {
      this.results = null;
      this.answered = '';
      this.status = 'idle';
      return;
    }
    this.status = 'searching';
    this.#timer = setTimeout(() => void this.#run(q), DEBOUNCE_MS);
  }

  clear(): void {
    this.set('');
  }

  async #run(q: string): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    try {
      const results = await search(q, { signal: abort.signal });
      if (abort.signal.aborted) return;
      this.results = results;
      this.answered = q;
      this.status = 'ready';
    } catch (e) {
      if (abort.signal.aborted) return;
      this.error = e instanceof ApiError ? e : new ApiError(0, 'client_error', String(e));
      this.status = 'error';
    }
  }

  destroy(): void {
    clearTimeout(this.#timer);
    this.#abort?.abort();
  }
}
