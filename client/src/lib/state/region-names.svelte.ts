/**
 * Names of regions met by code, for texts like "经八路街道 · 某某社区 · 第3网格". Asking for a grid fetches it once
 * (GET /api/regions/:code answers its ancestors' names too) and fills the reactive map, so text that was shown
 * with a code alone gains the name when it arrives. Bounded by the region tree (a few thousand at most).
 */
import { SvelteMap } from 'svelte/reactivity';
import type { RegionRef } from '$contract/regions';
import { fetchRegion } from '../api/regions';

/** After a failed look-up, ask again no sooner than this (a wall must not hammer a server that is down). */
const RETRY_MS = 60_000;

export class RegionNames {
  #names = new SvelteMap<string, string>();
  #inFlight = new Set<string>();
  #failedAt = new Map<string, number>();

  get(code: string | null | undefined): string | undefined {
    return code ? this.#names.get(code) : undefined;
  }

  remember(refs: Iterable<Pick<RegionRef, 'code' | 'name'>>): void {
    for (const r of refs) if (this.#names.get(r.code) !== r.name) this.#names.set(r.code, r.name);
  }

  /** Makes sure the name of `code` (and its ancestors) will be known. */
  request(code: string | null | undefined): void {
    if (!code || this.#names.has(code) || this.#inFlight.has(code)) return;
    const failed = this.#failedAt.get(code);
    if (failed !== undefined && Date.now() - failed < RETRY_MS) return;
    this.#inFlight.add(code);
    fetchRegion(code)
      .then((r) => {
        this.#failedAt.delete(code);
        this.remember([...(r.ancestors ?? []), r]);
      })
      .catch(() => this.#failedAt.set(code, Date.now()))
      .finally(() => this.#inFlight.delete(code));
  }
}
