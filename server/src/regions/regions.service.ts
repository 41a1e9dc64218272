import { type RegionDetail, type RegionKpis, type RegionLevel, type RegionStats } from '../contract/regions.js';
import { AppError, notFound } from '../errors.js';
import { isLayerName } from '../contract/layers.js';
import { LEDGER_LAYER } from '../contract/ledger.js';
import { BUCKET_LENGTH, type RegionsRepository } from './regions.repository.js';

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
export class RollupCache<T> {
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

type Figures = Map<string, number>;
/** More changed buckets than this since the last refresh: one full pass is cheaper than one query per bucket. */
const MAX_BUCKET_REFRESH = 8;

/**
 * Roll-up figures of every community (bucket, regions.repository.ts bucketFigures), kept current change by change:
 * after a write only the communities its events touched are counted again, so the first request after a change
 * costs the same at any scale (bench/drilldown.ts: the district scan grew with the points, 10× the time at 10×).
 * A full pass on the first use, after an event that is not a point change (imports, regions, administration), after
 * many changes at once, and every MAX_AGE_MS (overdue counts move with the clock).
 */
class BucketRollups {
  private state?: { seq: number; at: number; buckets: Map<string, Figures> };
  private refreshing?: { seq: number; value: Promise<Map<string, Figures>> };

  constructor(
    private readonly regions: RegionsRepository,
    private readonly lastSeq: () => Promise<number>,
  ) {}

  private fresh(seq: number): boolean {
    return !!this.state && this.state.seq >= seq && Date.now() - this.state.at < MAX_AGE_MS;
  }

  /**
   * Every bucket's figures as of the newest committed seq or later. One refresh at a time, shared by the readers
   * it covers; a reader that saw a newer seq waits for it and refreshes again, so a writer reads its own write.
   */
  async current(): Promise<Map<string, Figures>> {
    const seq = await this.lastSeq();
    if (this.fresh(seq)) return this.state!.buckets;
    if (this.refreshing && this.refreshing.seq >= seq) return this.refreshing.value;
    const before = this.refreshing?.value.catch(() => undefined);
    const value = (async () => {
      await before;
      return this.fresh(seq) ? this.state!.buckets : this.refresh(seq);
    })();
    const entry = { seq, value };
    this.refreshing = entry;
    value.then(
      () => this.refreshing === entry && (this.refreshing = undefined),
      () => this.refreshing === entry && (this.refreshing = undefined),
    );
    return value;
  }

  private async refresh(seq: number): Promise<Map<string, Figures>> {
    const old = this.state;
    let touched: Set<string> | undefined;
    if (old && old.seq <= seq && Date.now() - old.at < MAX_AGE_MS) {
      touched = new Set();
      for (const e of await this.regions.eventsBetween(old.seq, seq)) {
        // Alerts and a building group's meetings or ratings change no counted figure: nothing to count again.
        if (e.layer === 'alerts' || e.layer === 'meetings' || e.layer === 'ratings') continue;
        // Point and ledger changes name the buckets they touched; anything else (imports, boundaries) may touch all.
        if (!(isLayerName(e.layer) || e.layer === LEDGER_LAYER) || !e.regionCode) {
          touched = undefined;
          break;
        }
        for (const code of [e.regionCode, e.before, e.after]) if (code) touched.add(code.slice(0, BUCKET_LENGTH));
        if (touched.size > MAX_BUCKET_REFRESH) {
          touched = undefined;
          break;
        }
      }
    }
    const at = touched ? old!.at : Date.now();
    const buckets = touched ? new Map(old!.buckets) : new Map<string, Figures>();
    const patterns = touched ? [...touched].map((b) => (b.length === BUCKET_LENGTH ? `${b}%` : b)) : ['%'];
    for (const b of touched ?? []) buckets.delete(b);
    for (const pattern of patterns) {
      for (const row of await this.regions.bucketFigures(pattern)) {
        let figures = buckets.get(row.bucket);
        if (!figures) buckets.set(row.bucket, (figures = new Map()));
        figures.set(row.metric, row.n);
      }
    }
    // A newer refresh may have finished first (lastSeq moved on meanwhile): keep the newest.
    if (!this.state || this.state.seq <= seq) this.state = { seq, at, buckets };
    return buckets;
  }

  /** Sum of the figures of every bucket in the subtree of `code` (a community or shallower). */
  static sum(buckets: Map<string, Figures>, code: string): Figures {
    const total: Figures = new Map();
    for (const [bucket, figures] of buckets) {
      if (!bucket.startsWith(code)) continue;
      for (const [metric, n] of figures) total.set(metric, (total.get(metric) ?? 0) + n);
    }
    return total;
  }
}

/** The figures of /api/stats from a subtree's summed bucket figures; the region itself is not its own descendant. */
function statsFromFigures(f: Figures, level: RegionLevel): Omit<RegionStats, 'region'> {
  const n = (metric: string) => f.get(metric) ?? 0;
  const regionCount = (l: RegionLevel) => n(`region:${l}`) - (l === level ? 1 : 0);
  const byStatus: Record<string, number> = { planned: 0, in_progress: 0, completed: 0, accepted: 0 };
  for (const [metric, value] of f) if (metric.startsWith('project:')) byStatus[metric.slice('project:'.length)] = value;
  const items = [...f].filter(([metric]) => metric.startsWith('serviceItem:'));
  return {
    regions: { street: regionCount('street'), community: regionCount('community'), grid: regionCount('grid'), buildingGroup: regionCount('building_group') },
    serviceCentres: { street: n('centre:street'), community500: n('centre:500'), community1000: n('centre:1000') },
    tempBranches: { project: n('branch:project'), compound: n('branch:compound') },
    compounds: { total: n('compounds'), unmanaged: n('unmanaged') },
    projects: { total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus },
    disputes: { open: n('disputes:open'), overdue: n('disputes:overdue'), resolved: n('disputes:resolved') },
    memberUnits: { total: n('memberUnits') },
    coBuilding: {
      jointMeetings: n('ledger:jointMeetings'),
      problemsRaised: n('ledger:problemsRaised'),
      problemsSolved: n('ledger:problemsSolved'),
      agreements: n('ledger:agreements'),
      jointServices: n('ledger:jointServices'),
    },
    services: {
      freeItems: items.reduce((a, [, v]) => a + v, 0),
      // Categories with an item on offer: counted per subtree here, since distinct counts do not add up over buckets.
      categories: items.filter(([, v]) => v > 0).length,
      socialOrgs: n('fact:socialOrgs'),
      socialWorkers: n('fact:socialWorkers'),
      charityFundStreets: n('charityFund'),
    },
  };
}

/** The choropleth KPIs of one child from its subtree's summed bucket figures (regions.repository.ts childrenWithKpis). */
function kpisFromFigures(f: Figures): RegionKpis {
  const n = (metric: string) => f.get(metric) ?? 0;
  return {
    compounds: n('compounds'),
    unmanagedCompounds: n('unmanaged'),
    serviceCentres: n('centre:street') + n('centre:500') + n('centre:1000'),
    tempBranches: n('branch:project') + n('branch:compound'),
    openDisputes: n('disputes:open'),
    overdueDisputes: n('disputes:overdue'),
    projectsInProgress: n('project:in_progress'),
  };
}

export class RegionsService {
  private readonly statsCache: RollupCache<RegionStats>;
  private readonly kpisCache: RollupCache<RegionKpis>;
  private readonly childrenCache: RollupCache<GeoJSON.FeatureCollection>;
  private readonly buckets: BucketRollups;

  constructor(
    private readonly regions: RegionsRepository,
    lastSeq: () => Promise<number>,
  ) {
    this.statsCache = new RollupCache(lastSeq);
    this.kpisCache = new RollupCache(lastSeq);
    this.childrenCache = new RollupCache(lastSeq);
    this.buckets = new BucketRollups(regions, lastSeq);
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
    // Down to communities from the per-community figures; below, the subtree is small enough to count directly.
    if (code.length <= BUCKET_LENGTH) {
      return this.statsCache.get(code, async () => ({ region: ref, ...statsFromFigures(BucketRollups.sum(await this.buckets.current(), code), region.level) }));
    }
    return this.statsCache.get(code, async () => ({ region: ref, ...(await this.regions.stats(code)) }));
  }

  async detail(code: string): Promise<RegionDetail> {
    const region = await this.require(code);
    const path = ancestorCodes(code);
    const [ancestors, children, kpis] = await Promise.all([
      this.regions.findMany(path),
      this.regions.children(code),
      code.length <= BUCKET_LENGTH
        ? this.buckets.current().then((b) => kpisFromFigures(BucketRollups.sum(b, code)))
        : this.kpisCache.get(code, () => this.regions.kpis(code)),
    ]);
    return { ...region, path, ancestors, children, kpis };
  }

  async childrenGeoJson(code: string): Promise<GeoJSON.FeatureCollection> {
    const region = await this.require(code);
    const childLevel = CHILD_LEVEL[region.level];
    if (!childLevel) return { type: 'FeatureCollection', features: [] };
    if (CODE_LENGTH[childLevel] > BUCKET_LENGTH) return this.childrenCache.get(code, () => this.regions.childrenWithKpis(code, CODE_LENGTH[childLevel]));
    return this.childrenCache.get(code, async () => {
      const [kids, buckets] = await Promise.all([this.regions.childShapes(code), this.buckets.current()]);
      return {
        type: 'FeatureCollection',
        features: kids.map(({ geometry, ...ref }) => ({
          type: 'Feature',
          id: ref.code,
          geometry,
          properties: { ...ref, ...kpisFromFigures(BucketRollups.sum(buckets, ref.code)) },
        })),
      };
    });
  }
}
