/**
 * Where a configured basemap style comes from (API.md `BASEMAP_STYLE_URL`). In order:
 *  1. `window.__BASEMAP_STYLE_URL__`, set by a script the deployment injects into index.html;
 *  2. `<meta name="basemap-style-url" content="…">` in index.html;
 *  3. the server's `GET /api/config` → `{ basemapStyleUrl }` when the server offers it.
 * None of them set = the offline style built from our own boundaries (offline-style.ts), which always works.
 */
import { clientConfig } from '../api/config';

declare global {
  interface Window {
    /** Deployment hook: a MapLibre style URL for a real basemap (OSM, Tianditu with a key). */
    __BASEMAP_STYLE_URL__?: string;
  }
}

/** Only http(s) or same-origin paths: a `javascript:` or `data:` style URL is never fetched. */
function usable(url: unknown): string | null {
  if (typeof url !== 'string' || !url.trim()) return null;
  try {
    const u = new URL(url.trim(), location.href);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

let resolved: Promise<string | null> | null = null;

export function basemapStyleUrl(): Promise<string | null> {
  resolved ??= (async () => {
    const hook = usable(window.__BASEMAP_STYLE_URL__);
    if (hook) return hook;
    const meta = usable(document.querySelector<HTMLMetaElement>('meta[name="basemap-style-url"]')?.content);
    if (meta) return meta;
    // Older servers have no /api/config (404): clientConfig answers null, the offline basemap it is.
    return usable((await clientConfig()).basemapStyleUrl);
  })();
  return resolved;
}
