/**
 * The sample's regional Party-building ledger (区域化党建台账, geodata/jinshui/ledger.json): records of the street
 * and community committees, the three lists, the 146 free service items and the funds — synthetic, linked to the
 * sample's member units, and reproducing the seed's figures when counted:
 *
 * - 经八路街道 over the 12 months up to the reference date: 71 joint meetings, 21 problems solved (of 26 raised),
 *   115 co-building agreements, 161 joint services (seed line 31); older records lie outside that period.
 * - 146 free service items in 8 categories; charity funds in the six streets the seed names; every community's
 *   work, Party-building and service funds of 5 + 5 + 30 万元 for the reference year.
 *
 * Dates are relative to REFERENCE_DATE; the sample loader shifts them with every other date of the sample, so the
 * records stay within "the last 12 months" whenever the sample is loaded.
 */
import { CHARITY_FUND_STREETS, FIGURES, REFERENCE_DATE } from './district.js';
import { apportion } from './apportion.js';
import type { PointFeature } from './points.js';
import type { Region, RegionTree } from './regions.js';
import { stream, type Rng } from './rng.js';

export interface LedgerRecordSample {
  id: string;
  kind: 'joint_meeting' | 'problem' | 'agreement' | 'joint_service';
  regionCode: string;
  title: string;
  occurredOn: string;
  solvedOn: string | null;
  memberUnitIds: string[];
}

export interface LedgerListSample {
  id: string;
  list: 'resource' | 'need' | 'project';
  regionCode: string;
  title: string;
  status: 'open' | 'matched' | 'done';
  memberUnitId: string | null;
}

export interface LedgerServiceItemSample {
  id: string;
  category: string;
  regionCode: string;
  title: string;
  memberUnitId: string;
}

export interface LedgerFundSample {
  id: string;
  kind: 'charity' | 'work' | 'party_building' | 'service';
  regionCode: string;
  year: number;
  amountWan: number;
}

export interface LedgerSample {
  records: LedgerRecordSample[];
  lists: LedgerListSample[];
  serviceItems: LedgerServiceItemSample[];
  funds: LedgerFundSample[];
}

type Figures = Record<'jointMeetings' | 'problemsRaised' | 'problemsSolved' | 'agreements' | 'jointServices', number>;
/** The seed's four figures of 经八路街道 (SPEC.md §3), and how many problems were raised to solve its 21. */
const JINGBALU: Figures = { ...FIGURES.jingbalu, problemsRaised: 26 };
/** The 8 categories and how the seed's 146 items split among them (硬件共享, 教育培训, 综合治理 named by the seed). */
const CATEGORY_ITEMS: Record<string, number> = {
  hardware_sharing: 24,
  education_training: 22,
  comprehensive_governance: 20,
  elderly_care: 18,
  health_care: 17,
  culture_sports: 16,
  legal_aid: 15,
  volunteering: 14,
};
/** 5 + 5 + 30 万元 per community and year (seed: 社区工作经费5万元、党建经费5万元、服务群众专项经费30万元). */
const COMMUNITY_FUNDS = { work: 5, party_building: 5, service: 30 } as const;

const DAY = 86_400_000;
const REF = Date.parse(REFERENCE_DATE);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Days before the reference date: within the last 12 months (1–359), or before them (400–700). */
const RECENT: [number, number] = [1, 359];
const OLDER: [number, number] = [400, 700];

const TOPICS = ['老旧小区改造', '无主管楼院治理', '背街小巷整治', '垃圾分类', '停车秩序', '物业服务提升', '为老服务', '平安建设', '文明城市创建', '防汛准备'];
const PROBLEMS = ['楼院路灯损坏', '雨污管网堵塞', '小区停车难', '加装电梯协调', '楼道杂物堆放', '屋面漏水', '绿化带缺损', '老年助餐点选址', '电动车充电难', '下水道反味', '围墙破损', '二次供水水质'];
const SERVICES = ['义诊进社区', '法律咨询', '助老理发', '家电义修', '政策宣讲', '消防演练', '四点半课堂', '就业招聘会', '反诈宣传', '便民体检'];
const ITEM_TITLES: Record<string, string[]> = {
  hardware_sharing: ['会议室共享', '停车位错时共享', '职工食堂开放', '运动场地开放', '活动室借用', '报告厅共享'],
  education_training: ['党课讲座', '职业技能培训', '青少年科普课', '老年智能手机课', '家庭教育讲座', '书法培训'],
  comprehensive_governance: ['矛盾纠纷调解', '治安巡逻', '楼院环境整治', '消防隐患排查', '文明劝导', '交通疏导'],
  elderly_care: ['助餐送餐', '上门探访', '助浴服务', '适老化改造咨询', '陪同就医'],
  health_care: ['健康义诊', '慢病随访', '心理疏导', '急救培训', '中医理疗'],
  culture_sports: ['文艺演出', '广场舞指导', '图书漂流', '观影活动', '棋类比赛'],
  legal_aid: ['法律咨询', '合同审查', '劳动维权指导', '遗嘱咨询'],
  volunteering: ['志愿服务站', '微心愿认领', '助学结对', '环保宣传'],
};
const LIST_TITLES: Record<LedgerListSample['list'], string[]> = {
  resource: ['闲置会议室', '志愿者队伍', '专业律师团队', '医疗义诊力量', '停车场地', '培训教室', '图书资源', '维修技术人员'],
  need: ['楼院照明改造', '老年助餐', '儿童课后托管', '停车位紧缺', '楼道粉刷', '健身器材更新', '心理咨询', '就业技能培训'],
  project: ['红色物业示范点', '口袋公园建设', '邻里中心改造', '智慧安防小区', '垃圾分类示范楼院', '党群服务驿站'],
};

export function buildLedger(tree: RegionTree, memberUnits: PointFeature[], seed: number): LedgerSample {
  const rng = stream(seed, 'ledger');
  const unitsByStreet = new Map<string, PointFeature[]>();
  for (const u of memberUnits) {
    const street = u.properties.regionCode.slice(0, 9);
    unitsByStreet.set(street, [...(unitsByStreet.get(street) ?? []), u]);
  }
  const records: LedgerRecordSample[] = [];
  const lists: LedgerListSample[] = [];
  for (const street of tree.byLevel.street) {
    const code = street.properties.code;
    const units = unitsByStreet.get(code) ?? [];
    const isJingbalu = street.properties.name === '经八路街道';
    const recent: Figures = isJingbalu
      ? JINGBALU
      : {
          jointMeetings: rng.int(10, 50),
          problemsRaised: rng.int(5, 20),
          problemsSolved: 0,
          agreements: rng.int(15, 70),
          jointServices: rng.int(20, 100),
        };
    if (!isJingbalu) recent.problemsSolved = Math.round(recent.problemsRaised * rng.float(0.6, 0.9));
    records.push(...streetRecords(rng, street, units, recent));
    lists.push(...streetLists(rng, street, units, isJingbalu ? 4 : 2));
  }
  records.forEach((r, i) => (r.id = `lr-${String(i + 1).padStart(5, '0')}`));
  lists.forEach((l, i) => (l.id = `ll-${String(i + 1).padStart(4, '0')}`));
  return { records, lists, serviceItems: serviceItems(rng, memberUnits), funds: funds(rng, tree) };
}

/** A street's records: the recent ones in exactly the given numbers, and some older ones outside the period. */
function streetRecords(rng: Rng, street: Region, units: PointFeature[], n: Figures): LedgerRecordSample[] {
  const out: LedgerRecordSample[] = [];
  // About a third at the street's own committee, the rest at its communities' committees.
  const committee = () => (rng.chance(0.35) ? street : rng.pick(street.children));
  const unitsOf = (c: Region, k: number) => {
    const near = units.filter((u) => u.properties.regionCode.startsWith(c.properties.code));
    const pool = near.length >= k ? near : units;
    return rng.sample(pool, Math.min(k, pool.length)).map((u) => u.id);
  };
  const day = ([from, to]: [number, number]) => REF - rng.int(from, to) * DAY;
  const add = (kind: LedgerRecordSample['kind'], when: [number, number], title: (c: Region) => string, k: number, solvedOn: string | null = null, at?: number) => {
    const c = committee();
    out.push({ id: '', kind, regionCode: c.properties.code, title: title(c), occurredOn: isoDate(at ?? day(when)), solvedOn, memberUnitIds: unitsOf(c, k) });
  };
  const short = (c: Region) => c.properties.name.replace(/(街道|社区|村)$/, '');
  for (const when of [RECENT, OLDER]) {
    const older = when === OLDER;
    const count = (x: number) => (older ? Math.round(x / 4) : x);
    for (let i = 0; i < count(n.jointMeetings); i++) add('joint_meeting', when, (c) => `${short(c)}区域化党建联席会：${rng.pick(TOPICS)}`, rng.int(1, 4));
    for (let i = 0; i < count(n.agreements); i++) {
      add('agreement', when, (c) => `${short(c)}${c === street ? '街道' : '社区'}共建协议（${rng.pick(TOPICS)}）`, 1);
    }
    for (let i = 0; i < count(n.jointServices); i++) add('joint_service', when, (c) => `${rng.pick(SERVICES)}（${short(c)}）`, rng.int(1, 3));
  }
  // Problems: raised within the period, the first `problemsSolved` of them solved since (also within it).
  for (let i = 0; i < n.problemsRaised; i++) {
    const raised = REF - rng.int(30, 359) * DAY;
    const solved = i < n.problemsSolved ? isoDate(raised + rng.int(3, 29) * DAY) : null;
    add('problem', RECENT, (c) => `${short(c)}：${rng.pick(PROBLEMS)}`, rng.int(0, 2), solved, raised);
  }
  return out.sort((a, b) => a.occurredOn.localeCompare(b.occurredOn) || a.regionCode.localeCompare(b.regionCode));
}

/** The three lists of a street and its communities: `perList` entries each, a mix of open, matched and done. */
function streetLists(rng: Rng, street: Region, units: PointFeature[], perList: number): LedgerListSample[] {
  const out: LedgerListSample[] = [];
  for (const list of ['resource', 'need', 'project'] as const) {
    for (let i = 0; i < perList + rng.int(0, 2); i++) {
      const c = rng.chance(0.4) ? street : rng.pick(street.children);
      const status = rng.weighted({ open: 0.4, matched: 0.3, done: 0.3 });
      const unit = status !== 'open' && units.length ? rng.pick(units).id : null;
      out.push({ id: '', list, regionCode: c.properties.code, title: rng.pick(LIST_TITLES[list]), status, memberUnitId: unit });
    }
  }
  return out;
}

/** The seed's 146 free service items in 8 categories, each offered by a member unit at its community. */
function serviceItems(rng: Rng, units: PointFeature[]): LedgerServiceItemSample[] {
  const out: LedgerServiceItemSample[] = [];
  const total = Object.values(CATEGORY_ITEMS).reduce((a, b) => a + b, 0);
  if (total !== FIGURES.district.freeServiceItems) throw new Error(`service items add up to ${total}, not ${FIGURES.district.freeServiceItems}`);
  for (const [category, n] of Object.entries(CATEGORY_ITEMS)) {
    for (let i = 0; i < n; i++) {
      const unit = rng.pick(units);
      out.push({
        id: `ls-${String(out.length + 1).padStart(3, '0')}`,
        category,
        regionCode: unit.properties.regionCode.slice(0, 12),
        title: rng.pick(ITEM_TITLES[category]),
        memberUnitId: unit.id,
      });
    }
  }
  return out;
}

/** Charity funds of the six streets the seed names; 5 + 5 + 30 万元 per community; all for the reference year. */
function funds(rng: Rng, tree: RegionTree): LedgerFundSample[] {
  const year = new Date(REF).getUTCFullYear();
  const out: LedgerFundSample[] = [];
  const charity = tree.byLevel.street.filter((s) => CHARITY_FUND_STREETS.includes(s.properties.name));
  const amounts = apportion(charity.map(() => rng.float(0.5, 1.5)), 600);
  charity.forEach((s, i) => out.push({ id: '', kind: 'charity', regionCode: s.properties.code, year, amountWan: amounts[i] }));
  for (const c of tree.byLevel.community) {
    for (const [kind, amountWan] of Object.entries(COMMUNITY_FUNDS)) {
      out.push({ id: '', kind: kind as LedgerFundSample['kind'], regionCode: c.properties.code, year, amountWan });
    }
  }
  out.forEach((f, i) => (f.id = `lf-${String(i + 1).padStart(4, '0')}`));
  return out;
}

/** The file's text: one row per line under each key, so a change to one record is a one-line diff. */
export function serializeLedger(ledger: LedgerSample): string {
  const parts = Object.entries(ledger).map(([key, rows]) => `"${key}":[\n${(rows as unknown[]).map((r) => JSON.stringify(r)).join(',\n')}\n]`);
  return `{${parts.join(',\n')}}\n`;
}
