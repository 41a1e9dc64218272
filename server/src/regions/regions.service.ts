import { type RegionDetail, type RegionKpis, type RegionLevel, type RegionStats } from '../contract/regions.js';
import { AppError, notFound } from '../errors.js';
import type { RegionsRepository } from './regions.repository.js';

/** Length of a region code at each level (API.md "Region codes"). */
export const CODE_LENGTH: Record<RegionLevel, number> = { district: 6, street: 9, community: 12, grid: 14, building_group: 16 };
const CHILD_LEVEL: Partial<Record<RegionLevel, RegionLevel>> = {
  district: 'street',
  street: 'community',
  community: 'grid',
  grid: 'building_group',
};

/** Ancestor codes of a region, district first (codes are prefixes of each other). */
export function ancestorCodes(code: string): string[] {
  return Object.values(CODE_LENGTH)
    .filter((n) => n < code.length)
    .map((n) => code.slice(0, n));
}

const CACHE_SIZE = 500;
// Overdue counts move with the clock, not only with events.
const MAX_AGE_MS = 60_000;

/**
 * Roll-ups by region, valid while no event happened: every data change is an event, so a hundred wall screens
 * refreshing after the same change share one computation instead of a hundred. At district level each roll-up
 * scans every point of the district (300,000 compounds at 100×: a quarter of a second or more per table).
 */
class RollupCache<T> {
  private readonly entries = new Map<string, { seq: number; at: number; value: Promise<T> }>();

  constructor(private readonly lastSeq: () => Promise<number>) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const seq = await this.lastSeq();
    const cached = this.entries.get(key);
    if (cached && cached.seq === seq && Date.now() - cached.at < MAX_AGE_MS) return cached.value;
    const value = compute();
    this.entries.delete(key); // re-insert: Map order is then least recently computed first
    this.entries.set(key, { seq, at: Date.now(), value });
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    return value;
  }
}

export class RegionsService {
  private readonly statsCache: RollupCache<RegionStats>;
  private readonly kpisCache: RollupCache<RegionKpis>;
  private readonly childrenCache: RollupCache<GeoJSON.FeatureCollection>;

  constructor(
    private readonly regions: RegionsRepository,
    lastSeq: () => Promise<number>,
  ) {
    this.statsCache = new RollupCache(lastSeq);
    this.kpisCache = new RollupCache(lastSeq);
    this.childrenCache = new RollupCache(lastSeq);
  }

  /** The region or a 404; a malformed code is a 400 (a query for it could never match). */
  async require(code: string) {
    if (!/^\d{6,16}$/.test(code)) throw new AppError(400, 'bad_region', `"${code}" is not a region code (6–16 digits)`);
    const region = await this.regions.find(code);
    if (!region) throw notFound(`Region ${code}`);
    return region;
  }

  async stats(code: string, at?: string): Promise<RegionStats> {
    const region = await this.require(code);
    const ref = { code: region.code, name: region.name, level: region.level };
    if (at) return { region: ref, ...(await this.regions.stats(code, at)) };
    return this.statsCache.get(code, async () => ({ region: ref, ...(await this.regions.stats(code)) }));
  }

  async detail(code: string): Promise<RegionDetail> {
    const region = await this.require(code);
    const path = ancestorCodes(code);
    const [ancestors, children, kpis] = await Promise.all([
      this.regions.findMany(path),
      this.regions.children(code),
      this.kpisCache.get(code, () => this.regions.kpis(code)),
    ]);
    return { ...region, path, ancestors, children, kpis };
  }

  async childrenGeoJson(code: string): Promise<GeoJSON.FeatureCollection> {
    const region = await this.require(code);
    const childLevel = CHILD_LEVEL[region.level];
    if (!childLevel) return { type: 'FeatureCollection', features: [] };
    return this.childrenCache.get(code, () => this.regions.childrenWithKpis(code, CODE_LENGTH[childLevel]));
  }
}
