import type { SessionUser } from '../contract/auth.js';
import type { CoverageFigures, RegionCoverage, UncoveredCompoundProps } from '../contract/coverage.js';
import type { RegionRef } from '../contract/regions.js';
import { assertCanRead } from '../auth/auth.service.js';
import { RollupCache, type RegionsService } from '../regions/regions.service.js';
import type { CoverageRepository } from './coverage.repository.js';

/** Most uncovered compounds one GeoJSON answer carries (a 100 m distance at 100× scale would be most of 300,000). */
export const UNCOVERED_LIMIT = 20_000;

export interface UncoveredCollection {
  type: 'FeatureCollection';
  distanceM: number;
  /** More compounds are uncovered than the answer carries (the farthest UNCOVERED_LIMIT are in it). */
  truncated: boolean;
  features: { type: 'Feature'; id: string; geometry: { type: 'Point'; coordinates: [number, number] }; properties: UncoveredCompoundProps }[];
}

const figures = (ref: RegionRef, compounds: number, covered: number): CoverageFigures => ({
  code: ref.code,
  name: ref.name,
  level: ref.level,
  compounds,
  covered,
  uncovered: compounds - covered,
  ratio: compounds ? covered / compounds : null,
});

/** 服务覆盖: which compounds lie farther than a walking distance from every open community service centre. */
export class CoverageService {
  /**
   * A region's figures change only with an event (a compound or a centre moved, opened or closed; an import), and
   * at district level they take seconds of PostgreSQL per request at 100× (every compound against every centre),
   * which every leader page asks for as it opens, competing with the page for the CPU.
   */
  private readonly regionCache: RollupCache<RegionCoverage>;

  constructor(
    private readonly coverage: CoverageRepository,
    private readonly regions: RegionsService,
    /** COVERAGE_DISTANCE_M: the distance when a request names none. */
    private readonly defaultDistanceM: number,
    lastSeq: () => Promise<number>,
  ) {
    this.regionCache = new RollupCache(lastSeq);
  }

  /** The region's coverage and each child's; the region must be in the user's area (centres anywhere count). */
  async region(user: SessionUser, code = user.regionCode, distanceM = this.defaultDistanceM): Promise<RegionCoverage> {
    assertCanRead(user, code);
    return this.regionCache.get(`${code}|${distanceM}`, () => this.compute(code, distanceM));
  }

  private async compute(code: string, distanceM: number): Promise<RegionCoverage> {
    const region = await this.regions.detail(code);
    const groupLength = region.children[0]?.code.length ?? code.length;
    const [counts, centres] = await Promise.all([this.coverage.counts(code, distanceM, groupLength), this.coverage.centres(code)]);
    const byCode = new Map(counts.map((c) => [c.code, c]));
    const compounds = counts.reduce((n, c) => n + c.compounds, 0);
    const covered = counts.reduce((n, c) => n + c.covered, 0);
    return {
      ...figures(region, compounds, covered),
      distanceM,
      centres,
      children: region.children.map((child) => figures(child, byCode.get(child.code)?.compounds ?? 0, byCode.get(child.code)?.covered ?? 0)),
    };
  }

  /** The uncovered compounds of the region as GeoJSON points, farthest from a centre first. */
  async uncovered(user: SessionUser, code = user.regionCode, distanceM = this.defaultDistanceM): Promise<UncoveredCollection> {
    assertCanRead(user, code);
    await this.regions.require(code);
    const rows = await this.coverage.uncovered(code, distanceM, UNCOVERED_LIMIT + 1);
    return {
      type: 'FeatureCollection',
      distanceM,
      truncated: rows.length > UNCOVERED_LIMIT,
      features: rows.slice(0, UNCOVERED_LIMIT).map((r) => ({
        type: 'Feature',
        id: r.id,
        geometry: { type: 'Point', coordinates: [r.lon, r.lat] },
        properties: {
          id: r.id,
          name: r.name,
          kind: r.kind,
          status: r.status,
          regionCode: r.region_code,
          nearestDistanceM: r.distance === null ? null : Math.round(r.distance),
          nearestCentreId: r.centre_id,
          nearestCentreName: r.centre_name,
        },
      })),
    };
  }
}
