/**
 * 微心愿 micro-wishes of the sample: residents' small wishes spread over the district's grids, a realistic mix
 * of statuses, the claimed and fulfilled ones claimed by a member unit of the same street (the seed: "开展微公益、
 * 点亮'微心愿'，号召驻区党组织和'两新'党组织认领帮扶项目"). Its own random stream, so the other layers are unchanged.
 */
import { REFERENCE_DATE } from './district.js';
import { personName } from './names.js';
import type { PointFeature } from './points.js';
import type { Rng } from './rng.js';

const DAY = 86_400_000;
const REF = Date.parse(`${REFERENCE_DATE}T00:00:00Z`);

/** 60 at scale 1: about a third open, a quarter claimed, a third fulfilled, a few cancelled. */
const STATUS_MIX = { open: 18, claimed: 16, fulfilled: 22, cancelled: 4 } as const;

/** Wishes as residents write them, by category. */
const WISHES: Record<string, string[]> = {
  elderly: ['独居老人家中安装扶手', '为高龄老人更换老花镜', '陪伴空巢老人体检', '老年助餐卡充值', '为行动不便老人送一台助行器', '楼道加装休息座椅'],
  students: ['困难家庭孩子的一套课外书', '留守儿童的书包和文具', '暑期作业辅导志愿者', '孩子想要一台学习用台灯', '参加一次科技馆研学'],
  hardship: ['冬季棉被一床', '困难家庭过冬米面油', '低保户更换老旧热水器', '修理漏水的厨房水管', '更换破损的入户门锁'],
  disabled: ['轮椅维修', '残疾人家庭无障碍坡道', '听障老人助听器调试', '盲人阅读器一台'],
  environment: ['楼道照明灯更换', '楼院绿化补种', '单元门口晾衣架', '楼前破损路面修补', '加装电动车充电桩'],
  culture: ['楼组文艺队的音响', '社区合唱队统一服装', '楼院乒乓球台一张', '楼组读书角的书架'],
  other: ['智能手机使用培训', '代办老年优待证', '家电清洗一次'],
};
const CATEGORIES = Object.keys(WISHES);

/** A short label of who asked: a building and how neighbours address them, never a full name. */
function requesterLabel(rng: Rng): string {
  const surname = personName(rng)[0];
  return `${rng.int(1, 24)}号楼 ${surname}${rng.pick(['阿姨', '大爷', '奶奶', '爷爷', '大姐', '师傅', '同学家长'])}`;
}

export function buildMicroWishes(
  bgs: { properties: { code: string } }[],
  place: (bg: (typeof bgs)[number]) => { coordinates: number[]; regionCode: string },
  memberUnits: PointFeature[],
  rng: Rng,
  scale: number,
): PointFeature[] {
  const statuses = rng.shuffle(Object.entries(STATUS_MIX).flatMap(([s, n]) => Array<string>(n * scale).fill(s)));
  const unitsByStreet = new Map<string, PointFeature[]>();
  for (const u of memberUnits) {
    const street = u.properties.regionCode.slice(0, 9);
    unitsByStreet.set(street, [...(unitsByStreet.get(street) ?? []), u]);
  }
  // A different grid for each wish (while grids last), so they spread over the district.
  const bgsByGrid = new Map<string, typeof bgs>();
  for (const b of bgs) {
    const grid = b.properties.code.slice(0, 14);
    bgsByGrid.set(grid, [...(bgsByGrid.get(grid) ?? []), b]);
  }
  const grids = rng.shuffle([...bgsByGrid.keys()]);
  const width = Math.max(3, String(statuses.length).length);
  return statuses.map((drawn, i) => {
    const at = place(rng.pick(bgsByGrid.get(grids[i % grids.length])!));
    const category = rng.pick(CATEGORIES);
    const units = unitsByStreet.get(at.regionCode.slice(0, 9)) ?? [];
    // A street without member units has nobody to claim: its wish stays open. Half the cancelled were claimed first.
    const status = units.length === 0 && drawn !== 'cancelled' ? 'open' : drawn;
    const claimed = units.length > 0 && (status === 'claimed' || status === 'fulfilled' || (status === 'cancelled' && rng.chance(0.5)));
    const claimedMs = REF - rng.int(3, 150) * DAY - rng.int(8, 18) * 3_600_000;
    const fulfilledMs = Math.min(REF - 3_600_000, claimedMs + rng.int(2, 30) * DAY);
    return {
      type: 'Feature' as const,
      id: `mw-${String(i + 1).padStart(width, '0')}`,
      properties: {
        name: rng.pick(WISHES[category]),
        status,
        requester: requesterLabel(rng),
        category,
        claimedBy: claimed ? rng.pick(units).id : null,
        claimedAt: claimed ? iso(claimedMs) : null,
        fulfilledAt: status === 'fulfilled' ? iso(fulfilledMs) : null,
        regionCode: at.regionCode,
      },
      geometry: { type: 'Point' as const, coordinates: at.coordinates },
    };
  });
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
