/**
 * The wall's KPI tiles, grouped as the seed report tells the story (organisation → service positions →
 * temporary branches → disputes → projects → co-building). `path` is a dotted path into the /api/stats answer;
 * it is how the value is read and the tile's `data-kpi` attribute (tests find tiles by it, not by label).
 */
import { t, type MessageKey } from '../../lib/i18n/i18n.svelte';
import { statusLabel } from './labels';

export { readStat } from '../../lib/api/stats';

export interface WallKpi {
  path: string;
  label: () => string;
  unit?: MessageKey;
  /** Drawn in the alert colour while above zero (overdue cases must stand out). */
  alert?: boolean;
}

export interface WallKpiGroup {
  id: string;
  title: MessageKey;
  /** A figure shown beside the title (e.g. the total the tiles break down). */
  total?: string;
  compact?: boolean;
  tiles: WallKpi[];
}

const tile = (path: string, unit?: MessageKey, alert = false): WallKpi => ({ path, label: () => t(`wall.kpi.${path}` as MessageKey), unit, alert });
const projectStatus = (s: string): WallKpi => ({ path: `projects.byStatus.${s}`, label: () => statusLabel('projects', s), unit: 'wall.unit.count' });

export const WALL_KPI_GROUPS: readonly WallKpiGroup[] = [
  {
    id: 'org',
    title: 'wall.group.org',
    compact: true,
    tiles: [tile('regions.street'), tile('regions.community'), tile('regions.grid'), tile('regions.buildingGroup')],
  },
  {
    id: 'service-centres',
    title: 'wall.group.serviceCentres',
    tiles: [tile('serviceCentres.street', 'wall.unit.count'), tile('serviceCentres.community1000', 'wall.unit.count'), tile('serviceCentres.community500', 'wall.unit.count')],
  },
  {
    id: 'temp-branches',
    title: 'wall.group.tempBranches',
    tiles: [tile('tempBranches.project', 'wall.unit.count'), tile('tempBranches.compound', 'wall.unit.count')],
  },
  {
    id: 'disputes',
    title: 'wall.group.disputes',
    tiles: [tile('disputes.open', 'wall.unit.cases'), tile('disputes.overdue', 'wall.unit.cases', true), tile('disputes.resolved', 'wall.unit.cases')],
  },
  {
    id: 'projects',
    title: 'wall.group.projects',
    total: 'projects.total',
    compact: true,
    tiles: ['planned', 'in_progress', 'completed', 'accepted'].map(projectStatus),
  },
  {
    id: 'co-building',
    title: 'wall.group.coBuilding',
    compact: true,
    tiles: [
      tile('services.freeItems', 'wall.unit.items'),
      tile('services.socialOrgs', 'wall.unit.count'),
      tile('services.socialWorkers', 'wall.unit.people'),
      tile('coBuilding.problemsSolved', 'wall.unit.items'),
    ],
  },
];
