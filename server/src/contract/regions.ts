/** Wire types for regions and roll-up statistics, shared by server and client. */

/** The four levels under the district: 街道 → 社区 → 网格 → 楼组. */
export const REGION_LEVELS = ['district', 'street', 'community', 'grid', 'building_group'] as const;
export type RegionLevel = (typeof REGION_LEVELS)[number];

export const DISTRICT_CODE = '410105';

/** Party organisation of a region (街道党工委 / 社区党组织 / 网格党支部 / 楼组党小组). */
export interface PartyOrg {
  name: string;
  secretary: string;
  members: number;
}

export interface RegionRef {
  code: string;
  name: string;
  level: RegionLevel;
}

/** Answer of GET /api/stats?region=CODE; every figure is computed by SQL over the region's subtree. */
export interface RegionStats {
  region: RegionRef;
  regions: { street: number; community: number; grid: number; buildingGroup: number };
  serviceCentres: { street: number; community500: number; community1000: number };
  tempBranches: { project: number; compound: number };
  compounds: { total: number; unmanaged: number };
  projects: { total: number; byStatus: Record<string, number> };
  disputes: { open: number; overdue: number; resolved: number };
  memberUnits: { total: number };
  /**
   * 区域化党建 figures of the subtree's ledger records over the last 12 months (contract/ledger.ts LedgerSummary,
   * same counting): joint meetings, problems raised and solved, agreements, joint services.
   */
  coBuilding: { jointMeetings: number; problemsRaised: number; problemsSolved: number; agreements: number; jointServices: number };
  /**
   * Free service items on offer and their categories, streets with a charity fund this year (ledger tables); social
   * organisations and workers as the regions' facts report them.
   */
  services: { freeItems: number; categories: number; socialOrgs: number; socialWorkers: number; charityFundStreets: number };
}

/** Answer of GET /api/regions/:code. */
export interface RegionDetail extends RegionRef {
  parentCode: string | null;
  /** Ancestor codes from the district down to the parent. */
  path: string[];
  /** The same ancestors with their names (breadcrumbs of deep links). */
  ancestors: RegionRef[];
  partyOrg: PartyOrg;
  starRating: number | null;
  children: RegionRef[];
  kpis: RegionKpis;
}

/** The per-region figures used by the choropleth and the side panel. */
export interface RegionKpis {
  compounds: number;
  unmanagedCompounds: number;
  serviceCentres: number;
  tempBranches: number;
  openDisputes: number;
  overdueDisputes: number;
  projectsInProgress: number;
}

/** Properties of each feature of GET /api/regions/:code/children.geojson. */
export interface RegionFeatureProps extends RegionRef, RegionKpis {
  parentCode: string | null;
}

/** GET /api/search?q= answer: regions and points whose name or code matches, within the user's region. */
export interface SearchResult {
  regions: RegionRef[];
  features: { layer: string; id: string; name: string; regionCode: string; lon: number; lat: number }[];
}
