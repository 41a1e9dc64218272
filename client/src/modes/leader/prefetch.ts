/**
 * The leader page's first data, asked for from the app's entry chunk (main.ts) as soon as the page starts: the
 * leader chunks (MapLibre and deck.gl, ~2 MB of code) take a second or more to arrive and run, and the region's
 * roll-ups as long again on a large district; asked this early, both wait at the same time. LeaderMode then
 * takes these answers (lib/api/http.ts prefetchJson). Kept tiny: it ships in the entry chunk of every mode.
 */
import { DISTRICT_CODE } from '$contract/regions';
import { prefetchJson } from '../../lib/api/http';
import { clientConfig } from '../../lib/api/config';
import { regionPaths } from '../../lib/api/regions';
import { session } from '../../lib/state/session.svelte';

/** The user's own region: the top of what they may open. */
const leaderRoot = (): string => session.user?.regionCode ?? DISTRICT_CODE;

/** The region the page opens: the URL's `region` when it lies within the user's root, else the root. */
export function leaderRegion(param: string | null | undefined, root: string): string {
  const code = param?.trim();
  return code && code.startsWith(root) ? code : root;
}

export function prefetchLeader(params: URLSearchParams): void {
  if (!session.token) return;
  const code = leaderRegion(params.get('region'), leaderRoot());
  void clientConfig();
  prefetchJson(regionPaths.detail(code));
  prefetchJson(regionPaths.stats(code));
  prefetchJson(regionPaths.children(code));
}
