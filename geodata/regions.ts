/**
 * The region tree of the sample: district → 19 streets → 214 communities → grids → building groups
 * (区 → 街道 → 社区 → 网格 → 楼组), each level a gap-free partition of the one above, with codes, names and
 * Party organisations. The geometry inside the district is synthetic; only the district outline (outline.ts) and
 * the street names and codes are real.
 */
import type { Position } from 'geojson';
import {
  DISTRICT,
  FIGURES,
  STREET_ANCHORS,
  VILLAGE_STREETS,
  officialStreets,
} from './district.js';
import { apportionWithMinimum } from './apportion.js';
import { districtOutline } from './outline.js';
import { areaM2, bboxOf, type MultiCoords } from './geometry.js';
import { UniqueNames, communityName, compoundishName, personName, villageName } from './names.js';
import { partition } from './partition.js';
import { stream, type Rng } from './rng.js';

export type RegionLevel = 'district' | 'street' | 'community' | 'grid' | 'building_group';

export interface RegionProperties {
  code: string;
  name: string;
  level: RegionLevel;
  parentCode: string | null;
  partyOrg: { name: string; secretary: string; members: number };
  starRating: number | null;
  facts: Record<string, unknown>;
}

export interface Region {
  properties: RegionProperties;
  geometry: MultiCoords;
  /** The street this region belongs to (its own name for a street); used to place points by street. */
  streetName: string;
  /** The community's name when this region is, or lies in, a village (村). */
  village?: string;
  children: Region[];
}

export interface RegionTree {
  district: Region;
  /** Every region, sorted by code (the district first). */
  all: Region[];
  byLevel: Record<RegionLevel, Region[]>;
  report: PartitionReport;
}

export interface PartitionReport {
  /** Debris pieces (< 1 m²) dropped after rounding, over all levels. */
  droppedPieces: number;
  /** Regions whose geometry has more than one polygon, per level. */
  multipart: Record<string, number>;
  /** Largest |Σ child area − parent area| / parent area over all parents of a level (planar areas). */
  maxAreaGap: Record<string, number>;
}

/** How many children each parent gets below the street level (inclusive ranges). */
const GRIDS_PER_COMMUNITY = [4, 6] as const;
const GROUPS_PER_GRID = [4, 7] as const;
const MIN_COMMUNITIES_PER_STREET = 5;
const VILLAGE_COUNT = 12;

/**
 * Lloyd rounds per level: three for communities, the level people look at most on the map, so their shapes are
 * the most even; two below, where cells are small and many (each round costs a Voronoi diagram and a clip).
 */
const LLOYD_ROUNDS = { community: 3, grid: 2, building_group: 2 } as const;

/** Share of building groups per star rating (星级楼组): most are 3-star, few 1- or 5-star. */
const STAR_WEIGHTS = { '1': 8, '2': 20, '3': 37, '4': 25, '5': 10 } as const;

export function buildRegions(seed: number): RegionTree {
  const report: PartitionReport = { droppedPieces: 0, multipart: {}, maxAreaGap: {} };
  const district = makeRegion(DISTRICT.code, DISTRICT.name, 'district', null, districtGeometry(), '');

  const streets = officialStreets();
  const streetCut = partition(district.geometry, {
    count: streets.length,
    rng: stream(seed, 'partition', DISTRICT.code),
    // Half-step relaxation: smooths the cells but keeps them near the real streets' places and sizes.
    rounds: 2,
    step: 0.5,
    anchors: streets.map((s) => STREET_ANCHORS[s.code]),
  });
  report.droppedPieces += streetCut.dropped;
  district.children = streets.map((s, i) =>
    makeRegion(s.code, s.name, 'street', district.properties.code, streetCut.cells[i], s.name),
  );

  const communityCounts = apportionWithMinimum(
    FIGURES.communities,
    district.children.map((s) => areaM2(s.geometry)),
    MIN_COMMUNITIES_PER_STREET,
  );
  district.children.forEach((street, i) => subdivide(street, communityCounts[i], 'community', seed, report));
  const communities = district.children.flatMap((s) => s.children);
  nameCommunities(communities, seed);

  for (const community of communities) {
    const n = stream(seed, 'count', community.properties.code).int(...GRIDS_PER_COMMUNITY);
    subdivide(community, n, 'grid', seed, report);
  }
  const grids = communities.flatMap((c) => c.children);
  for (const grid of grids) {
    const n = stream(seed, 'count', grid.properties.code).int(...GROUPS_PER_GRID);
    subdivide(grid, n, 'building_group', seed, report);
  }
  const buildingGroups = grids.flatMap((g) => g.children);
  communities.forEach((c) => c.children.forEach((g) => nameGridAndGroups(g, c, seed)));

  assignPartyOrgs(district, seed);
  assignFacts(district);

  const byLevel = { district: [district], street: district.children, community: communities, grid: grids, building_group: buildingGroups };
  for (const [level, regions] of Object.entries(byLevel)) {
    report.multipart[level] = regions.filter((r) => r.geometry.length > 1).length;
    if (level !== 'building_group') report.maxAreaGap[childLevel(level as RegionLevel)] = maxAreaGap(regions);
  }
  const all = Object.values(byLevel).flat().sort((a, b) => cmp(a.properties.code, b.properties.code));
  return { district, all, byLevel, report };
}

/** The real outline of 金水区 (outline.ts): WGS84, 6 decimals, valid. */
function districtGeometry(): MultiCoords {
  return districtOutline();
}

function makeRegion(
  code: string,
  name: string,
  level: RegionLevel,
  parentCode: string | null,
  geometry: MultiCoords,
  streetName: string,
): Region {
  return {
    properties: { code, name, level, parentCode, partyOrg: { name: '', secretary: '', members: 0 }, starRating: null, facts: {} },
    geometry,
    streetName,
    children: [],
  };
}

/** Cuts `parent` into `count` children, numbered in reading order (north to south in bands, west to east). */
function subdivide(parent: Region, count: number, level: keyof typeof LLOYD_ROUNDS, seed: number, report: PartitionReport): void {
  const code = parent.properties.code;
  const cut = partition(parent.geometry, { count, rng: stream(seed, 'partition', code), rounds: LLOYD_ROUNDS[level] });
  report.droppedPieces += cut.dropped;
  const digits = level === 'community' ? 3 : 2;
  parent.children = readingOrder(cut.seeds, bboxOf(parent.geometry)).map((i, k) =>
    makeRegion(code + String(k + 1).padStart(digits, '0'), '', level, code, cut.cells[i], parent.streetName),
  );
}

/** Indices of `seeds` sorted into rows of about √n bands from north to south, each row west to east. */
function readingOrder(seeds: Position[], [, y0, , y1]: [number, number, number, number]): number[] {
  const rows = Math.max(1, Math.round(Math.sqrt(seeds.length)));
  const band = (p: Position) => Math.min(rows - 1, Math.floor(((y1 - p[1]) / (y1 - y0)) * rows));
  return seeds.map((_, i) => i).sort((a, b) => band(seeds[a]) - band(seeds[b]) || seeds[a][0] - seeds[b][0]);
}

/**
 * Community names, unique in the district. Twelve communities of the urbanising east and north are villages
 * (村), as the seed speaks of "village and community" secretaries. 人民路街道's first community is 顺一社区, the
 * community the seed names as the pilot of integrated community policing.
 */
function nameCommunities(communities: Region[], seed: number): void {
  const rng = stream(seed, 'names', 'communities');
  const villageCandidates = communities.filter((c) => VILLAGE_STREETS.includes(c.streetName));
  const villages = new Set(rng.sample(villageCandidates, VILLAGE_COUNT));
  const names = new UniqueNames(rng);
  const pilot = communities.find((c) => c.streetName === '人民路街道')!;
  names.reserve('顺一社区');
  for (const c of communities) {
    if (c === pilot) c.properties.name = '顺一社区';
    else if (villages.has(c)) c.properties.name = names.take(villageName);
    else c.properties.name = names.take(communityName);
    if (villages.has(c)) c.village = c.properties.name;
  }
}

/** 第N网格 names, and building groups named after the compound-like cluster of their grid (锦华苑3号楼组). */
function nameGridAndGroups(grid: Region, community: Region, seed: number): void {
  const rng = stream(seed, 'names', grid.properties.code);
  const n = Number(grid.properties.code.slice(-2));
  grid.properties.name = `${community.properties.name}第${n}网格`;
  // One or two clusters per grid; building numbers run on within each cluster. In a village the buildings
  // are its resettlement estate (安置区).
  const bases = [compoundishName(rng, community.village)];
  if (!community.village && grid.children.length > 4 && rng.chance(0.5)) bases.push(compoundishName(rng));
  const split = Math.ceil(grid.children.length / bases.length);
  grid.children.forEach((bg, i) => {
    bg.properties.name = `${bases[Math.floor(i / split)]}${(i % split) + 1}号楼组`;
    bg.village = community.village;
  });
  grid.village = community.village;
}

/**
 * Party organisations bottom-up, so every parent has at least as many members as its children together
 * (plus its own members: street and community officials, grid workers).
 */
function assignPartyOrgs(district: Region, seed: number): void {
  const visit = (r: Region): number => {
    const rng = stream(seed, 'party', r.properties.code);
    const childSum = r.children.reduce((s, c) => s + visit(c), 0);
    const p = r.properties;
    const members = childSum + ownMembers(p.level, rng);
    p.partyOrg = { name: partyOrgName(p, members), secretary: personName(rng), members };
    if (p.level === 'building_group') p.starRating = Number(rng.weighted(STAR_WEIGHTS));
    return members;
  };
  visit(district);
}

function ownMembers(level: RegionLevel, rng: Rng): number {
  switch (level) {
    case 'building_group':
      return rng.int(3, 15);
    case 'grid':
      return rng.int(0, 4);
    case 'community':
      return rng.int(5, 20);
    case 'street':
      return rng.int(20, 80);
    case 'district':
      return rng.int(200, 500);
  }
}

/** 金水区委 / 经八路街道党工委 / 顺一社区党委 (or 党总支 when small) / …第3网格党支部 / …3号楼组党小组. */
function partyOrgName(p: RegionProperties, members: number): string {
  switch (p.level) {
    case 'district':
      return '金水区委';
    case 'street':
      return `${p.name}党工委`;
    case 'community':
      // Synthetic rule: larger communities have a Party committee, smaller ones a general branch.
      return `${p.name}${members >= 300 ? '党委' : '党总支'}`;
    case 'grid':
      return `${p.name}党支部`;
    case 'building_group':
      return `${p.name}党小组`;
  }
}

/**
 * The district's social-work figures. The ledger's figures (经八路's meetings and agreements, the 146 service
 * items, the charity funds) are not facts but records (geodata/ledger.ts).
 */
function assignFacts(district: Region): void {
  district.properties.facts = { socialOrgs: FIGURES.district.socialOrgs, socialWorkers: FIGURES.district.socialWorkers };
}

function childLevel(level: RegionLevel): string {
  return { district: 'street', street: 'community', community: 'grid', grid: 'building_group', building_group: '' }[level];
}

function maxAreaGap(parents: Region[]): number {
  let worst = 0;
  for (const p of parents) {
    const a = areaM2(p.geometry);
    const sum = p.children.reduce((s, c) => s + areaM2(c.geometry), 0);
    worst = Math.max(worst, Math.abs(sum - a) / a);
  }
  return worst;
}

/** Code-point order, so sorting never depends on the machine's locale. */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
