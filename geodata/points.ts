/**
 * The point layers of the sample and its two campaigns. Each point is generated inside one building group
 * (its `regionCode`), ≥ 2 m from the group's edges so the server's own spatial assignment lands in the same
 * group. The seed's figures hold exactly at scale 1; `scale` multiplies every count (and keeps the shares).
 */
import type { Position } from 'geojson';
import { CORE_STREETS, FIGURES, REFERENCE_DATE, STREET_CENTRE_STREETS } from './district.js';
import { bboxOf, randomPointInside, type BBox } from './geometry.js';
import {
  ROADS,
  UniqueNames,
  courtyardName,
  estateName,
  memberUnitName,
  personName,
  unitCompoundName,
} from './names.js';
import { apportion } from './apportion.js';
import type { Region, RegionTree } from './regions.js';
import { stream, type Rng } from './rng.js';
import { buildMicroWishes } from './wishes.js';

export interface PointFeature<P = Record<string, unknown>> {
  type: 'Feature';
  id: string;
  properties: P & { regionCode: string };
  geometry: { type: 'Point'; coordinates: Position };
}

export interface Campaign {
  id: string;
  name: string;
  layer: string;
  startsAt: string;
  endsAt: string;
  status: 'active';
  doneStatuses: string[];
  targetIds: string[];
}

export interface PointLayers {
  compounds: PointFeature[];
  'service-centres': PointFeature[];
  projects: PointFeature[];
  'temp-branches': PointFeature[];
  disputes: PointFeature[];
  'member-units': PointFeature[];
  'micro-wishes': PointFeature[];
}

const DAY = 86_400_000;
const REF = Date.parse(`${REFERENCE_DATE}T00:00:00Z`);

/** Campaign windows, both containing the reference date. */
const UNMANAGED_CAMPAIGN = { startsAt: '2026-04-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' };
const SCREENING_START = Date.parse('2026-08-15T00:00:00Z');
const SCREENING_END = SCREENING_START + 100 * DAY;

/** Time limits of mediation by level (days): the deadline is the report time plus this. */
const MEDIATION_DAYS = { community: 15, street: 30, district: 60 } as const;

/** Counts at scale 1 (the seed's figures where it has one, plausible round numbers elsewhere). */
const BASE = {
  compounds: 3000,
  projects: 340,
  memberUnits: 400,
  jingbaluMemberUnits: 24,
  disputes: { resolved: FIGURES.resolvedDisputes, referred: 14, reported: 15, accepted: 20, mediating: 40, escalated: 15 },
  overdueDisputes: 12,
};

/** The "12+X" standard rooms of a 党群服务中心, and the extras (X) a centre adds. */
const STANDARD_ROOMS = [
  '政务服务大厅', '党员活动室', '社会组织孵化培育平台', '文体服务中心', '图书阅览室', '日间照料中心',
  '儿童之家', '人民调解室', '警务室', '卫生服务站', '心理咨询室', '志愿服务站',
];
const EXTRA_ROOMS = ['烘焙课堂', '育儿早教', '1元健身房', '郑品书舍', '老年大学教学点', '公共法律服务室', '红色物业服务站', '社工站', '养老托老中心', '微心愿工作站'];

const ROLES = ['judge', 'prosecutor', 'police', 'lawyer', 'mediator', 'grid_worker'] as const;

/** Shared context: the building groups to place points in, grouped the ways the layers need. */
class Placement {
  readonly bgs: Region[];
  readonly coreBgs: Region[];
  readonly villageBgs: Region[];
  private readonly bboxes = new Map<Region, BBox>();
  private readonly byAncestor = new Map<string, Region[]>();

  constructor(tree: RegionTree) {
    this.bgs = tree.byLevel.building_group;
    this.coreBgs = this.bgs.filter((b) => CORE_STREETS.includes(b.streetName));
    this.villageBgs = this.bgs.filter((b) => b.village);
    for (const bg of this.bgs) {
      const code = bg.properties.code;
      for (const len of [9, 12, 14, 16]) {
        const key = code.slice(0, len);
        if (!this.byAncestor.has(key)) this.byAncestor.set(key, []);
        this.byAncestor.get(key)!.push(bg);
      }
    }
  }

  bgByCode(code: string): Region {
    return this.byAncestor.get(code)![0];
  }

  /** Building groups under a street, community or grid code. */
  within(code: string): Region[] {
    return this.byAncestor.get(code) ?? [];
  }

  point(bg: Region, rng: Rng): { coordinates: Position; regionCode: string } {
    let bbox = this.bboxes.get(bg);
    if (!bbox) this.bboxes.set(bg, (bbox = bboxOf(bg.geometry)));
    return { coordinates: randomPointInside(bg.geometry, rng, 2, bbox), regionCode: bg.properties.code };
  }
}

export function buildPoints(tree: RegionTree, seed: number, scale: number): { layers: PointLayers; campaigns: Campaign[] } {
  const place = new Placement(tree);
  const compounds = buildCompounds(place, stream(seed, 'layer', 'compounds'), scale);
  const serviceCentres = buildServiceCentres(tree, place, stream(seed, 'layer', 'service-centres'));
  const projects = buildProjects(place, compounds, stream(seed, 'layer', 'projects'), scale);
  const tempBranches = buildTempBranches(projects, compounds, stream(seed, 'layer', 'temp-branches'));
  const disputes = buildDisputes(place, stream(seed, 'layer', 'disputes'), scale);
  const memberUnits = buildMemberUnits(tree, place, stream(seed, 'layer', 'member-units'), scale);
  const wishRng = stream(seed, 'layer', 'micro-wishes');
  const layers: PointLayers = {
    compounds,
    'service-centres': serviceCentres,
    projects,
    'temp-branches': tempBranches,
    disputes,
    'member-units': memberUnits,
    'micro-wishes': buildMicroWishes(place.bgs, (bg) => place.point(bg as Region, wishRng), memberUnits, wishRng, scale),
  };
  return { layers, campaigns: buildCampaigns(compounds, disputes) };
}

// ——— compounds (楼院) ———

type CompoundKind = 'commercial' | 'unit_owned' | 'unmanaged';

function buildCompounds(place: Placement, rng: Rng, scale: number): PointFeature[] {
  const total = BASE.compounds * scale;
  const unmanaged = FIGURES.unmanagedCompounds * scale;
  const kinds = rng.shuffle<CompoundKind>([
    ...Array<CompoundKind>(unmanaged).fill('unmanaged'),
    ...exactMix(rng, total - unmanaged, { commercial: 0.55, unit_owned: 0.45 }),
  ]);
  // The campaign is under way: about 30 % pending, 30 % in progress, 25 % done, 15 % verified.
  const campaign = exactMix(rng, unmanaged, { pending: 0.3, in_progress: 0.3, done: 0.25, verified: 0.15 });
  // Unmanaged compounds are old inner-city courtyards: three times as likely in the core streets.
  const unmanagedPool = [...place.bgs, ...place.coreBgs, ...place.coreBgs];
  const names = new UniqueNames(rng);
  let u = 0;
  return kinds.map((kind, i) => {
    const bg = rng.pick(kind === 'unmanaged' ? unmanagedPool : place.bgs);
    const status = kind === 'unmanaged' ? campaign[u++] : 'normal';
    const name = names.take(kind === 'commercial' ? estateName : kind === 'unit_owned' ? unitOrCourtyard(0.8) : unitOrCourtyard(0.3));
    const attrs = compoundAttributes(kind, status, rng);
    return feature(id('cp', i, total, 6), { name, kind, ...attrs, status }, place.point(bg, rng));
  });
}

const unitOrCourtyard = (pUnit: number) => (rng: Rng) => (rng.chance(pUnit) ? unitCompoundName(rng) : courtyardName(rng));

/**
 * Property service, 四位一体 and renovation follow the compound's kind and campaign status: an unmanaged
 * compound gets a red property service (红色物业) and its four-in-one management as the campaign reaches it.
 */
function compoundAttributes(kind: CompoundKind, status: string, rng: Rng) {
  let propertyService: string;
  let renovation: string;
  let fourInOne = false;
  if (kind === 'unmanaged') {
    propertyService = rng.weighted(
      ({
        pending: { none: 85, red: 15, commercial: 0 },
        in_progress: { none: 60, red: 40, commercial: 0 },
        done: { none: 20, red: 68, commercial: 12 },
        verified: { none: 8, red: 77, commercial: 15 },
      } as Record<string, Record<string, number>>)[status],
    );
    renovation = rng.weighted(
      ({
        pending: { none: 60, planned: 40 },
        in_progress: { planned: 30, in_progress: 70 },
        done: { in_progress: 30, done: 70 },
        verified: { done: 1 },
      } as Record<string, Record<string, number>>)[status],
    );
    if (propertyService !== 'none') fourInOne = rng.chance(status === 'verified' ? 0.7 : status === 'done' ? 0.35 : 0);
  } else if (kind === 'unit_owned') {
    propertyService = rng.weighted({ none: 30, red: 35, commercial: 35 });
    renovation = rng.weighted({ none: 40, planned: 15, in_progress: 15, done: 30 });
    fourInOne = propertyService !== 'none' && rng.chance(0.45);
  } else {
    propertyService = rng.weighted({ commercial: 88, red: 12 });
    renovation = rng.weighted({ none: 80, in_progress: 5, done: 15 });
    fourInOne = rng.chance(0.7);
  }
  return { propertyService, fourInOne, renovation };
}

// ——— service centres (党群服务中心) ———

/**
 * 11 street centres and 208 community centres (156 of 500 m², 52 of 1000 m²). Structural, not scaled: one per
 * street or community at most. Their people served add up to the seed's 15.8万人次.
 */
function buildServiceCentres(tree: RegionTree, place: Placement, rng: Rng): PointFeature[] {
  const streets = tree.byLevel.street.filter((s) => STREET_CENTRE_STREETS.includes(s.properties.name));
  const communities = tree.byLevel.community;
  const withCentre = new Set(rng.sample(communities, FIGURES.community500 + FIGURES.community1000));
  const large = new Set(rng.sample([...withCentre], FIGURES.community1000));
  const sites = [
    ...streets.map((r) => ({ region: r, level: 'street', tier: 'street', fundsWan: 100, weight: rng.float(2.5, 4) })),
    ...communities
      .filter((c) => withCentre.has(c))
      .map((r) => {
        const big = large.has(r);
        return { region: r, level: 'community', tier: big ? '1000' : '500', fundsWan: big ? 80 : 50, weight: big ? rng.float(1.2, 2) : rng.float(0.5, 1.2) };
      }),
  ];
  const served = apportion(
    sites.map((s) => s.weight),
    FIGURES.peopleServed,
  );
  const renovating = new Set(rng.sample(sites.slice(streets.length), 4));
  return sites.map((s, i) => {
    const extras = rng.sample(EXTRA_ROOMS, rng.int(1, 3));
    const bg = rng.pick(place.within(s.region.properties.code));
    return feature(
      id('sc', i, sites.length, 4),
      {
        name: `${s.region.properties.name}党群服务中心`,
        level: s.level,
        tier: s.tier,
        rooms: [...STANDARD_ROOMS, ...extras],
        fundsWan: s.fundsWan,
        peopleServed: served[i],
        status: renovating.has(s) ? 'renovating' : 'open',
      },
      place.point(bg, rng),
    );
  });
}

// ——— projects ("三项工程、一项管理") ———

type ProjectType = 'old_compound_renovation' | 'back_street' | 'urban_village' | 'property_management';

function buildProjects(place: Placement, compounds: PointFeature[], rng: Rng, scale: number): PointFeature[] {
  const total = BASE.projects * scale;
  const types = exactMix<ProjectType>(rng, total, { old_compound_renovation: 0.4, back_street: 0.25, urban_village: 0.15, property_management: 0.2 });
  const statuses = exactMix(rng, total, { planned: 40, in_progress: 180, completed: 90, accepted: 30 });
  // A temporary branch is founded when work starts: the projects without one are all still planned.
  const planned = statuses.flatMap((s, i) => (s === 'planned' ? [i] : []));
  const noBranch = new Set(rng.sample(planned, total - FIGURES.projectBranches * scale));
  const oldCompounds = compounds.filter((c) => c.properties.kind !== 'commercial');
  const unmanaged = compounds.filter((c) => c.properties.kind === 'unmanaged');
  const names = new UniqueNames(rng);
  // Branch ids are numbered here (project branches first); the compound branches continue the sequence.
  const branchTotal = (FIGURES.projectBranches + FIGURES.unmanagedCompounds) * scale;
  let branch = 0;
  return types.map((type, i) => {
    const status = statuses[i];
    const { bg, name } = projectSite(type, place, names, oldCompounds, unmanaged, rng);
    const tempBranchId = noBranch.has(i) ? null : id('tb', branch++, branchTotal, 4);
    return feature(
      id('pj', i, total, 4),
      {
        name,
        type,
        status,
        progress: status === 'planned' ? 0 : status === 'in_progress' ? rng.int(5, 95) : 100,
        investmentWan: investment(type, rng),
        tempBranchId,
      },
      place.point(bg, rng),
    );
  });
}

/** Where a project is and what it is called: renovations sit in an old compound's building group. */
function projectSite(
  type: ProjectType,
  place: Placement,
  names: UniqueNames,
  oldCompounds: PointFeature[],
  unmanaged: PointFeature[],
  rng: Rng,
): { bg: Region; name: string } {
  // Prefer a compound that has no project of this kind yet.
  const inCompound = (pool: PointFeature[], suffix: string) => {
    let c = rng.pick(pool);
    for (let i = 0; i < 20 && names.has(`${c.properties.name}${suffix}`); i++) c = rng.pick(pool);
    return { bg: place.bgByCode(c.properties.regionCode), name: names.take(() => `${c.properties.name}${suffix}`, 0) };
  };
  switch (type) {
    case 'old_compound_renovation':
      return inCompound(oldCompounds, '老旧小区改造');
    case 'property_management':
      return inCompound(unmanaged, '物业服务引进');
    case 'urban_village': {
      let bg = rng.pick(place.villageBgs);
      const name = names.take((r) => {
        bg = r.pick(place.villageBgs);
        return bg.village + r.pick(VILLAGE_WORKS);
      });
      return { bg, name };
    }
    case 'back_street':
      return {
        bg: rng.pick(place.bgs),
        name: names.take((r) => `${r.pick(ROADS)}${r.pick(['', '（东段）', '（西段）', '（南段）', '（北段）'])}背街小巷整治`),
      };
  }
}

/** Works of an urban-village (城中村) project, one village usually having several. */
const VILLAGE_WORKS = [
  '城中村改造', '城中村改造（二期）', '城中村改造（三期）', '安置区建设', '安置区二期建设', '拆迁安置房配套',
  '安置区道路管网配套', '安置区学校配套', '集体经济用房建设',
];

function investment(type: ProjectType, rng: Rng): number {
  const [lo, hi] = { old_compound_renovation: [60, 900], back_street: [80, 1200], urban_village: [3000, 30000], property_management: [5, 60] }[type];
  return Math.round(rng.float(lo, hi) * 10) / 10;
}

// ——— temporary Party branches (临时党支部) ———

/** One per project that has a branch (at the project), then one per unmanaged compound (at the compound). */
function buildTempBranches(projects: PointFeature[], compounds: PointFeature[], rng: Rng): PointFeature[] {
  const out: PointFeature[] = [];
  const withBranch = projects.filter((p) => p.properties.tempBranchId);
  const unmanaged = compounds.filter((c) => c.properties.kind === 'unmanaged');
  const total = withBranch.length + unmanaged.length;
  for (const p of withBranch) {
    out.push({
      type: 'Feature',
      id: p.properties.tempBranchId as string,
      properties: {
        ...branchProps(`${p.properties.name}临时党支部`, 'project', p.id, null, rng.int(5, 20), projectFounding(p.properties.status as string, rng), rng),
        regionCode: p.properties.regionCode,
      },
      geometry: { type: 'Point', coordinates: p.geometry.coordinates },
    });
  }
  // Founded in the first two months of the campaign, which set one up in every unmanaged compound.
  const campaignStart = Date.parse(UNMANAGED_CAMPAIGN.startsAt);
  for (const c of unmanaged) {
    const founded = isoDate(campaignStart + rng.int(0, 60) * DAY);
    out.push({
      type: 'Feature',
      id: id('tb', out.length, total, 4),
      properties: {
        ...branchProps(`${c.properties.name}临时党支部`, 'compound', null, c.id, rng.int(3, 12), founded, rng),
        regionCode: c.properties.regionCode,
      },
      geometry: { type: 'Point', coordinates: c.geometry.coordinates },
    });
  }
  return out;
}

function branchProps(name: string, origin: string, projectId: string | null, compoundId: string | null, members: number, foundedAt: string, rng: Rng) {
  return { name, origin, projectId, compoundId, secretary: personName(rng), members, foundedAt, dissolvedAt: null, status: 'active' };
}

/** Older projects had their branch founded earlier. */
function projectFounding(status: string, rng: Rng): string {
  const [from, to] = ({ planned: [-120, -7], in_progress: [-420, -60], completed: [-600, -120], accepted: [-790, -300] } as Record<string, [number, number]>)[status];
  return isoDate(REF + rng.int(from, to) * DAY);
}

// ——— disputes (矛盾纠纷) ———

type Category = 'neighbour' | 'property' | 'family' | 'labour' | 'land' | 'other';
type Level = keyof typeof MEDIATION_DAYS;

const TITLES: Record<Category, string[]> = {
  neighbour: ['楼上漏水纠纷', '噪音扰民纠纷', '楼道堆物纠纷', '停车位占用纠纷', '宠物扰邻纠纷', '相邻通行纠纷'],
  property: ['物业费收缴纠纷', '电梯维修费用纠纷', '公共收益分配纠纷', '物业服务质量投诉', '维修资金使用纠纷'],
  family: ['赡养纠纷', '婚姻家庭纠纷', '遗产继承纠纷', '房屋分割纠纷'],
  labour: ['拖欠工资纠纷', '工伤赔偿纠纷', '劳动合同纠纷'],
  land: ['宅基地纠纷', '土地承包纠纷', '征迁补偿纠纷'],
  other: ['消费纠纷', '租赁合同纠纷', '装修纠纷', '商铺经营纠纷'],
};

function buildDisputes(place: Placement, rng: Rng, scale: number): PointFeature[] {
  const counts = Object.fromEntries(Object.entries(BASE.disputes).map(([k, v]) => [k, v * scale])) as Record<string, number>;
  const statuses = rng.shuffle(Object.entries(counts).flatMap(([s, n]) => Array<string>(n).fill(s)));
  const open = statuses.flatMap((s, i) => (['reported', 'accepted', 'mediating', 'escalated'].includes(s) ? [i] : []));
  const overdue = new Set(rng.sample(open, BASE.overdueDisputes * scale));
  return statuses.map((status, i) => {
    const category = rng.weighted<Category>({ neighbour: 30, property: 25, family: 18, labour: 12, land: 5, other: 10 });
    // Land disputes happen in the villages; everything else anywhere people live.
    const bg = rng.pick(category === 'land' && place.villageBgs.length > 0 ? place.villageBgs : place.bgs);
    const severity = rng.weighted({ low: 55, medium: 35, high: 10 });
    const level = mediationLevel(status, severity, rng);
    const reported = reportedAt(status, level, overdue.has(i), rng);
    // "锦华苑3号楼组" → "锦华苑3号楼噪音扰民纠纷"; villages name the village.
    const place_ = category === 'land' ? bg.village! : bg.properties.name.replace(/组$/, '');
    const title = place_ + rng.pick(TITLES[category]);
    return feature(
      id('dp', i, statuses.length, 6),
      {
        // `name` mirrors `title`: every layer's features carry a name the map and lists can show.
        name: title,
        title,
        category,
        severity,
        mediationLevel: level,
        status,
        reportedAt: isoTime(reported),
        deadline: isoTime(reported + MEDIATION_DAYS[level] * DAY),
        participants: participants(level, category, rng),
      },
      place.point(bg, rng),
    );
  });
}

/** The three-level network: most cases stay in the community; escalated ones sit with the street or district. */
function mediationLevel(status: string, severity: string, rng: Rng): Level {
  if (status === 'escalated') return rng.weighted<Level>({ community: 0, street: 65, district: 35 });
  if (severity === 'high') return rng.weighted<Level>({ community: 35, street: 40, district: 25 });
  return rng.weighted<Level>({ community: 75, street: 20, district: 5 });
}

/**
 * When a case was reported, consistent with its status and deadline: open cases are recent (their deadline
 * still ahead) unless chosen to be overdue; closed ones spread over the past year, half of them in the 100-day
 * screening campaign, which surfaced many.
 */
function reportedAt(status: string, level: Level, isOverdue: boolean, rng: Rng): number {
  const limit = MEDIATION_DAYS[level];
  let from: number;
  let to: number;
  if (isOverdue) [from, to] = [-(limit + 25), -(limit + 1)];
  else if (status === 'reported') [from, to] = [-4, -1];
  else if (status === 'accepted') [from, to] = [-8, -1];
  else if (status === 'mediating' || status === 'escalated') [from, to] = [-(limit - 1), -2];
  else {
    const campaignStartDay = Math.round((SCREENING_START - REF) / DAY);
    [from, to] = rng.chance(0.5) ? [campaignStartDay, -1] : [-365, campaignStartDay - 1];
  }
  // Office hours in Beijing time (08:30–18:00 = 00:30–10:00 UTC), to the minute.
  return REF + rng.int(from, to) * DAY + rng.int(30, 600) * 60_000;
}

/** 三官一师两员: a mediator always; a grid worker in most community cases; the others as the case needs. */
function participants(level: Level, category: Category, rng: Rng): string[] {
  const chance: Record<(typeof ROLES)[number], number> = {
    judge: level === 'district' ? 0.4 : 0.08,
    prosecutor: 0.05,
    police: category === 'neighbour' ? 0.5 : 0.25,
    lawyer: category === 'labour' || category === 'land' || category === 'family' ? 0.6 : 0.3,
    mediator: 1,
    grid_worker: level === 'community' ? 0.8 : 0.35,
  };
  return ROLES.filter((r) => rng.chance(chance[r]));
}

// ——— regional Party-building member units (区域化党建成员单位) ———

/**
 * 400 units; 经八路街道 has 24 of them. What they do together (meetings, agreements, services) is not a counter
 * on the unit but the ledger's records that name it (geodata/ledger.ts).
 */
function buildMemberUnits(tree: RegionTree, place: Placement, rng: Rng, scale: number): PointFeature[] {
  const total = BASE.memberUnits * scale;
  const jingbalu = tree.byLevel.street.find((s) => s.properties.name === '经八路街道')!.properties.code;
  const inJingbalu = BASE.jingbaluMemberUnits * scale;
  const elsewhere = place.bgs.filter((b) => !b.properties.code.startsWith(jingbalu));
  const kinds = exactMix(rng, total, { enterprise: 0.35, institution: 0.3, non_public: 0.2, market: 0.15 });
  const local = new Set(rng.sample(kinds.map((_, i) => i), inJingbalu));
  const names = new UniqueNames(rng);
  return kinds.map((kind, i) => {
    const isLocal = local.has(i);
    const bg = rng.pick(isLocal ? place.within(jingbalu) : elsewhere);
    return feature(
      id('mu', i, total, 4),
      {
        name: names.take((r) => memberUnitName(r, kind)),
        kind,
        committee: rng.chance(0.3) ? 'street' : 'community',
        status: 'active',
      },
      place.point(bg, rng),
    );
  });
}

// ——— campaigns (挂图作战、集中攻坚) ———

function buildCampaigns(compounds: PointFeature[], disputes: PointFeature[]): Campaign[] {
  return [
    {
      id: 'unmanaged-compounds',
      name: '无主管楼院集中攻坚',
      layer: 'compounds',
      ...UNMANAGED_CAMPAIGN,
      status: 'active',
      doneStatuses: ['done', 'verified'],
      targetIds: compounds.filter((c) => c.properties.kind === 'unmanaged').map((c) => c.id),
    },
    {
      id: 'dispute-screening-100d',
      name: '矛盾纠纷大排查化解百日行动',
      layer: 'disputes',
      startsAt: isoTime(SCREENING_START),
      endsAt: isoTime(SCREENING_END),
      status: 'active',
      doneStatuses: ['resolved', 'referred'],
      targetIds: disputes
        .filter((d) => {
          const t = Date.parse(d.properties.reportedAt as string);
          return t >= SCREENING_START && t < SCREENING_END;
        })
        .map((d) => d.id),
    },
  ];
}

// ——— helpers ———

function feature<P extends Record<string, unknown>>(
  featureId: string,
  properties: P,
  at: { coordinates: Position; regionCode: string },
): PointFeature<P> {
  return { type: 'Feature', id: featureId, properties: { ...properties, regionCode: at.regionCode }, geometry: { type: 'Point', coordinates: at.coordinates } };
}

/** Stable ids: prefix and a 1-based number, zero-padded to `width` (wider when a scaled count needs it). */
function id(prefix: string, index: number, total: number, width: number): string {
  return `${prefix}-${String(index + 1).padStart(Math.max(width, String(total).length), '0')}`;
}

/** Exactly `total` labels in the given proportions (largest remainder), shuffled. */
function exactMix<K extends string>(rng: Rng, total: number, shares: Record<K, number>): K[] {
  const keys = Object.keys(shares) as K[];
  const counts = apportion(keys.map((k) => shares[k]), total);
  return rng.shuffle(keys.flatMap((k, i) => Array<K>(counts[i]).fill(k)));
}

const isoTime = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
