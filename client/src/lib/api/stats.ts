/**
 * One figure of a GET /api/stats answer by dotted path ('disputes.overdue', 'projects.byStatus.planned'), as the
 * KPI tiles of both modes address them. Plain (no runes, no fetch) so the e2e tests read the API's answer the same
 * way the page does.
 */
import type { RegionStats } from '$contract/regions';

/** null for a path the answer does not have or a value that is not a finite number (shown as "—"). */
export function readStat(stats: RegionStats | null, path: string): number | null {
  let v: unknown = stats;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null) return null;
    v = (v as Record<string, unknown>)[part];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
