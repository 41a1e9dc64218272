/**
 * The KPI tiles of the leader side panel, in display order. `path` is a dotted path into RegionStats — it is
 * both how the value is read and the tile's `data-kpi` attribute.
 */
import type { RegionLevel, RegionStats } from '$contract/regions';
import type { MessageKey } from '../../lib/i18n/i18n.svelte';

export { readStat } from '../../lib/api/stats';

type Leaves<T> = { [K in keyof T & string]: T[K] extends number ? K : T[K] extends Record<string, unknown> ? `${K}.${Leaves<T[K]>}` : never }[keyof T & string];

/** Every numeric leaf of RegionStats, e.g. 'serviceCentres.street'. */
export type StatsPath = Exclude<Leaves<RegionStats>, `region.${string}`>;

export interface KpiSpec {
  path: StatsPath;
  label: MessageKey;
  /** Highlight when above zero. */
  alert?: boolean;
  /** Levels whose panel shows this tile; all when omitted. */
  levels?: readonly RegionLevel[];
}

export const LEADER_KPIS: readonly KpiSpec[] = [
  { path: 'serviceCentres.street', label: 'kpi.serviceCentres.street' },
  { path: 'serviceCentres.community500', label: 'kpi.serviceCentres.community500' },
  { path: 'serviceCentres.community1000', label: 'kpi.serviceCentres.community1000' },
  // One "how many units below" tile, naming the level that matters where you stand.
  { path: 'regions.community', label: 'kpi.regions.community', levels: ['district', 'street'] },
  { path: 'regions.grid', label: 'kpi.regions.grid', levels: ['community'] },
  { path: 'regions.buildingGroup', label: 'kpi.regions.buildingGroup', levels: ['grid'] },
  { path: 'tempBranches.project', label: 'kpi.tempBranches.project' },
  { path: 'tempBranches.compound', label: 'kpi.tempBranches.compound' },
  { path: 'disputes.open', label: 'kpi.disputes.open' },
  { path: 'disputes.overdue', label: 'kpi.disputes.overdue', alert: true },
  { path: 'projects.total', label: 'kpi.projects.total' },
  { path: 'compounds.unmanaged', label: 'kpi.compounds.unmanaged' },
];

export function kpisFor(level: RegionLevel | undefined): readonly KpiSpec[] {
  return LEADER_KPIS.filter((k) => !k.levels || k.levels.includes(level ?? 'district'));
}
