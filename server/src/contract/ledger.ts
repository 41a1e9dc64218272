/**
 * Wire types of the regional Party-building ledger (区域化党建台账): records, the three lists, free service items
 * and funds of the street and community regional Party committees, and their roll-up per region.
 */
import type { RegionRef } from './regions.js';
import { DISTRICT_UTC_OFFSET_MS } from './district-day.js';

/** 联席会议 joint meeting, 民生问题 livelihood problem, 共建协议 co-building agreement, 集中服务 joint service. */
export const LEDGER_RECORD_KINDS = ['joint_meeting', 'problem', 'agreement', 'joint_service'] as const;
export type LedgerRecordKind = (typeof LEDGER_RECORD_KINDS)[number];

/** 三项清单: resources 资源, needs 需求, projects 项目. */
export const LEDGER_LISTS = ['resource', 'need', 'project'] as const;
export type LedgerList = (typeof LEDGER_LISTS)[number];
export const LEDGER_LIST_STATUSES = ['open', 'matched', 'done'] as const;
export type LedgerListStatus = (typeof LEDGER_LIST_STATUSES)[number];

/** The 8 categories of free service items 无偿服务项目 (硬件共享, 教育培训, 综合治理 and five more). */
export const SERVICE_CATEGORIES = [
  'hardware_sharing',
  'education_training',
  'comprehensive_governance',
  'elderly_care',
  'health_care',
  'legal_aid',
  'culture_sports',
  'volunteering',
] as const;
export type ServiceCategory = (typeof SERVICE_CATEGORIES)[number];

/** 慈善基金 (a street's), 工作经费, 党建经费, 服务群众专项经费 (a community's). */
export const FUND_KINDS = ['charity', 'work', 'party_building', 'service'] as const;
export type FundKind = (typeof FUND_KINDS)[number];

/** Event layer of every ledger write (ChangeEvent.layer). */
export const LEDGER_LAYER = 'ledger';

export interface LedgerRecord {
  id: string;
  kind: LedgerRecordKind;
  /** The committee's region: a street or a community. */
  regionCode: string;
  title: string;
  /** YYYY-MM-DD: when it happened (for a problem: when it was raised). */
  occurredOn: string;
  /** YYYY-MM-DD when a problem was solved; null while open, and for other kinds. */
  solvedOn: string | null;
  memberUnitIds: string[];
  notes: string;
  createdBy: string;
  version: number;
  updatedAt: string;
}

/** POST /api/ledger/records. */
export interface LedgerRecordCreate {
  kind: LedgerRecordKind;
  regionCode: string;
  title: string;
  occurredOn: string;
  solvedOn?: string | null;
  memberUnitIds?: string[];
  notes?: string;
}

/** PATCH /api/ledger/records/:id: the fields to change and the version they were read at. */
export interface LedgerRecordPatch {
  version: number;
  title?: string;
  occurredOn?: string;
  solvedOn?: string | null;
  memberUnitIds?: string[];
  notes?: string;
}

export interface LedgerListEntry {
  id: string;
  list: LedgerList;
  regionCode: string;
  title: string;
  status: LedgerListStatus;
  memberUnitId: string | null;
  notes: string;
  createdBy: string;
  version: number;
  updatedAt: string;
}

export interface LedgerListCreate {
  list: LedgerList;
  regionCode: string;
  title: string;
  status?: LedgerListStatus;
  memberUnitId?: string | null;
  notes?: string;
}

export interface LedgerListPatch {
  version: number;
  title?: string;
  status?: LedgerListStatus;
  memberUnitId?: string | null;
  notes?: string;
}

export interface LedgerServiceItem {
  id: string;
  category: ServiceCategory;
  regionCode: string;
  title: string;
  memberUnitId: string;
  memberUnitName: string;
}

export interface LedgerFund {
  id: string;
  kind: FundKind;
  regionCode: string;
  year: number;
  amountWan: number;
  notes: string;
  createdBy: string;
  version: number;
}

/** POST /api/ledger/funds (administrators only). */
export interface LedgerFundCreate {
  kind: FundKind;
  regionCode: string;
  year: number;
  amountWan: number;
  notes?: string;
}

/** The ledger's period: inclusive dates, YYYY-MM-DD (default: the 12 months up to today). */
export interface LedgerPeriod {
  from: string;
  to: string;
}

/** GET /api/ledger/:region — the ledger's figures over the region's subtree (any level, by code prefix). */
export interface LedgerSummary {
  region: RegionRef;
  period: LedgerPeriod;
  /** Records whose date falls within the period; a problem counts as solved in the period it was solved in. */
  jointMeetings: number;
  problemsRaised: number;
  problemsSolved: number;
  agreements: number;
  jointServices: number;
  /** Entries of the three lists now, by status (not limited to the period: a list is a standing register). */
  lists: Record<LedgerList, Record<LedgerListStatus, number>>;
  /** Free service items on offer now, by category, and their total. */
  serviceItems: { total: number; byCategory: Record<ServiceCategory, number> };
  /** Funds of the year the period ends in, in 万元, by kind; `charityStreets` = streets with a charity fund. */
  funds: { year: number; byKind: Record<FundKind, number>; charityStreets: number };
  /** Member units of the subtree (active). */
  memberUnits: number;
}

export interface LedgerRecordsPage {
  records: LedgerRecord[];
  /** How many matched (records are at most `limit` of them, newest first). */
  total: number;
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The default period: the 12 months up to and including `today` (days of the district's calendar), so a record dated a year ago to the
 * day has just left it. Shared by the ledger and /api/stats so both count the same records.
 */
export function lastTwelveMonths(today: Date = new Date(Date.now() + DISTRICT_UTC_OFFSET_MS)): LedgerPeriod {
  const from = new Date(Date.UTC(today.getUTCFullYear() - 1, today.getUTCMonth(), today.getUTCDate() + 1));
  return { from: isoDay(from), to: isoDay(today) };
}
