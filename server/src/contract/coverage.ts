/** Wire types of service-centre coverage (服务覆盖, issue 11), shared by server and client. */
import type { RegionLevel } from './regions.js';

/** Bounds of `?distance=` (metres) on the coverage routes; the default is the server's COVERAGE_DISTANCE_M. */
export const COVERAGE_DISTANCE_MIN_M = 100;
export const COVERAGE_DISTANCE_MAX_M = 5000;

/** Coverage of one region's compounds (楼院) by open community service centres (社区党群服务中心). */
export interface CoverageFigures {
  code: string;
  name: string;
  level: RegionLevel;
  /** Compounds of the region's subtree. */
  compounds: number;
  /** Compounds with an open community centre within the walking distance. */
  covered: number;
  uncovered: number;
  /** covered / compounds, 0–1; null for a region without compounds. */
  ratio: number | null;
}

/** Answer of GET /api/coverage?region=CODE&distance=M: the region and each of its child regions. */
export interface RegionCoverage extends CoverageFigures {
  /** The walking distance used, in metres. */
  distanceM: number;
  /** Open community centres inside the region's subtree (centres outside it still cover its compounds). */
  centres: number;
  children: CoverageFigures[];
}

/** Properties of each feature of GET /api/coverage/uncovered.geojson (an uncovered compound). */
export interface UncoveredCompoundProps {
  id: string;
  name: string;
  kind: string;
  status: string;
  regionCode: string;
  /** Distance to the nearest open community centre, metres (rounded); null when there is none at all. */
  nearestDistanceM: number | null;
  nearestCentreId: string | null;
  nearestCentreName: string | null;
}
