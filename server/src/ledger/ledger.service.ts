import crypto from 'node:crypto';
import type { Db, Transaction } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeMessage } from '../contract/events.js';
import {
  FUND_KINDS,
  LEDGER_LAYER,
  LEDGER_LISTS,
  LEDGER_LIST_STATUSES,
  SERVICE_CATEGORIES,
  lastTwelveMonths,
  type LedgerFund,
  type LedgerFundCreate,
  type LedgerList,
  type LedgerListCreate,
  type LedgerListEntry,
  type LedgerListPatch,
  type LedgerListStatus,
  type LedgerPeriod,
  type LedgerRecord,
  type LedgerRecordCreate,
  type LedgerRecordKind,
  type LedgerRecordPatch,
  type LedgerRecordsPage,
  type LedgerServiceItem,
  type LedgerSummary,
} from '../contract/ledger.js';
import { userRoots } from '../auth/auth.service.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { EventsRepository } from '../events/events.repository.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { LedgerRepository } from './ledger.repository.js';
import { districtToday } from '../contract/district-day.js';

export interface LedgerServiceDeps {
  db: Db;
  ledger: LedgerRepository;
  regions: RegionsService;
  events: EventsRepository;
  /** Fans a change out after commit (Realtime.publish). */
  publish(message: ChangeMessage): void;
}

const COMMUNITY_LENGTH = 12;
const STREET_LENGTH = 9;
const MAX_RECORDS = 500;

const forbidden = (what: string) => new AppError(403, 'forbidden_region', what);

/**
 * Where a user reads the ledger: their own subtrees — and a coordinator, whose subtree is a grid, also the community
 * containing it: records belong to the community's regional Party committee (社区区域化党委), which their grid
 * works for, and a grid alone has no ledger.
 */
export function ledgerReadRoots(user: SessionUser): string[] {
  const roots = userRoots(user);
  return user.role === 'coordinator' ? [...new Set(roots.map((r) => r.slice(0, COMMUNITY_LENGTH)))] : roots;
}

/**
 * Who writes records and list entries of a region (a street or a community): administrators anywhere in their
 * subtree; a coordinator only for the community containing one of their grids (not its street, not a neighbour);
 * leaders and wall displays never.
 */
export function canWriteLedger(user: SessionUser, regionCode: string): boolean {
  if (user.role === 'admin') return userRoots(user).some((root) => regionCode.startsWith(root));
  if (user.role === 'coordinator') return regionCode.length === COMMUNITY_LENGTH && ledgerReadRoots(user).includes(regionCode);
  return false;
}

const canReadLedger = (user: SessionUser, code: string) => ledgerReadRoots(user).some((root) => code.startsWith(root));

function assertCanReadLedger(user: SessionUser, code: string): void {
  if (!canReadLedger(user, code)) throw forbidden(`Region ${code} is outside your area (${ledgerReadRoots(user).join(', ')})`);
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/**
 * The regional Party-building ledger (区域化党建台账): the street and community committees' records, the three
 * lists, free service items and funds, and their figures per region — counted from the records, never stored.
 * Every write commits with its event (layer `ledger`) and is published live after the commit.
 */
export class LedgerService {
  constructor(private readonly deps: LedgerServiceDeps) {}

  /** The period of a request: both ends given, or defaults (the last 12 months); a 400 when it runs backwards. */
  period(from?: string, to?: string): LedgerPeriod {
    // Without `to`, the period ends today in the district (UTC+8), as the contract's default says.
    const defaults = lastTwelveMonths(to ? new Date(`${to}T00:00:00Z`) : undefined);
    const period = { from: from ?? defaults.from, to: to ?? defaults.to };
    if (period.from > period.to) throw badRequest(`The period must not end (${period.to}) before it starts (${period.from})`);
    return period;
  }

  /**
   * The ledger's figures of a region's subtree (any level) over a period (default the last 12 months): the four
   * figures of the seed (joint meetings, problems solved, agreements, joint services) plus problems raised, the
   * three lists by status, service items by category and the funds of the period's last year. The printable
   * briefing calls this for its ledger section.
   */
  async summary(user: SessionUser, regionCode: string, period: LedgerPeriod = this.period()): Promise<LedgerSummary> {
    const region = await this.deps.regions.require(regionCode);
    assertCanReadLedger(user, regionCode);
    const year = Number(period.to.slice(0, 4));
    const counts = await this.deps.ledger.counts(regionCode, period, year);
    const lists = Object.fromEntries(LEDGER_LISTS.map((l) => [l, zeros(LEDGER_LIST_STATUSES)])) as Record<LedgerList, Record<LedgerListStatus, number>>;
    for (const { list, status, n } of counts.lists) lists[list][status] = n;
    const byCategory = { ...zeros(SERVICE_CATEGORIES), ...counts.serviceItems };
    return {
      region: { code: region.code, name: region.name, level: region.level },
      period,
      ...counts.records,
      lists,
      serviceItems: { total: Object.values(byCategory).reduce((a, b) => a + b, 0), byCategory },
      funds: { year, byKind: { ...zeros(FUND_KINDS), ...counts.funds }, charityStreets: counts.charityStreets },
      memberUnits: counts.memberUnits,
    };
  }

  async records(user: SessionUser, regionCode: string, period: LedgerPeriod, kind?: LedgerRecordKind, limit = MAX_RECORDS): Promise<LedgerRecordsPage> {
    await this.deps.regions.require(regionCode);
    assertCanReadLedger(user, regionCode);
    return this.deps.ledger.records(regionCode, period, kind, Math.min(limit, MAX_RECORDS));
  }

  async lists(user: SessionUser, regionCode: string): Promise<LedgerListEntry[]> {
    await this.deps.regions.require(regionCode);
    assertCanReadLedger(user, regionCode);
    return this.deps.ledger.lists(regionCode);
  }

  async serviceItems(user: SessionUser, regionCode: string): Promise<LedgerServiceItem[]> {
    await this.deps.regions.require(regionCode);
    assertCanReadLedger(user, regionCode);
    return this.deps.ledger.serviceItems(regionCode);
  }

  async funds(user: SessionUser, regionCode: string): Promise<LedgerFund[]> {
    await this.deps.regions.require(regionCode);
    assertCanReadLedger(user, regionCode);
    return this.deps.ledger.funds(regionCode);
  }

  // ——— writes ———

  async createRecord(user: SessionUser, body: LedgerRecordCreate): Promise<{ record: LedgerRecord; seq: number }> {
    await this.requireWritable(user, body.regionCode);
    const record = {
      id: `lr-${crypto.randomUUID()}`,
      kind: body.kind,
      regionCode: body.regionCode,
      title: body.title.trim(),
      occurredOn: body.occurredOn,
      solvedOn: body.solvedOn ?? null,
      memberUnitIds: [...new Set(body.memberUnitIds ?? [])],
      notes: body.notes ?? '',
      createdBy: user.username,
    };
    return this.write(user, async (tx) => {
      await this.checkRecord(tx, record);
      const row = await this.deps.ledger.insertRecord(tx, record);
      return { row, op: 'create' as const, before: null, entity: 'record' };
    }).then(({ row, seq }) => ({ record: row, seq }));
  }

  /** Changes a record read at `version` (e.g. marks a problem solved): 409 with the current record when stale. */
  async patchRecord(user: SessionUser, id: string, patch: LedgerRecordPatch): Promise<{ record: LedgerRecord; seq: number }> {
    return this.write(user, async (tx) => {
      const current = await this.deps.ledger.findRecord(tx, id, true);
      if (!current || !canReadLedger(user, current.regionCode)) throw notFound(`Ledger record ${id}`);
      if (!canWriteLedger(user, current.regionCode)) throw forbidden(`You may not change the ledger of ${current.regionCode}`);
      if (current.version !== patch.version) {
        throw new AppError(409, 'version_conflict', `Someone changed this record first (version ${current.version}, yours ${patch.version})`, undefined, { current });
      }
      const next: LedgerRecord = {
        ...current,
        title: patch.title?.trim() ?? current.title,
        occurredOn: patch.occurredOn ?? current.occurredOn,
        solvedOn: patch.solvedOn === undefined ? current.solvedOn : patch.solvedOn,
        memberUnitIds: patch.memberUnitIds ? [...new Set(patch.memberUnitIds)] : current.memberUnitIds,
        notes: patch.notes ?? current.notes,
      };
      await this.checkRecord(tx, next);
      const row = await this.deps.ledger.updateRecord(tx, next);
      return { row, op: 'update' as const, before: changed(current, row), entity: 'record' };
    }).then(({ row, seq }) => ({ record: row, seq }));
  }

  async createListEntry(user: SessionUser, body: LedgerListCreate): Promise<{ entry: LedgerListEntry; seq: number }> {
    await this.requireWritable(user, body.regionCode);
    const entry = {
      id: `ll-${crypto.randomUUID()}`,
      list: body.list,
      regionCode: body.regionCode,
      title: body.title.trim(),
      status: body.status ?? 'open',
      memberUnitId: body.memberUnitId ?? null,
      notes: body.notes ?? '',
      createdBy: user.username,
    };
    return this.write(user, async (tx) => {
      await this.checkMemberUnits(tx, entry.memberUnitId ? [entry.memberUnitId] : [], entry.regionCode);
      if (!entry.title) throw badRequest('A list entry needs a title');
      const row = await this.deps.ledger.insertListEntry(tx, entry);
      return { row, op: 'create' as const, before: null, entity: 'list' };
    }).then(({ row, seq }) => ({ entry: row, seq }));
  }

  async patchListEntry(user: SessionUser, id: string, patch: LedgerListPatch): Promise<{ entry: LedgerListEntry; seq: number }> {
    return this.write(user, async (tx) => {
      const current = await this.deps.ledger.findListEntry(tx, id, true);
      if (!current || !canReadLedger(user, current.regionCode)) throw notFound(`List entry ${id}`);
      if (!canWriteLedger(user, current.regionCode)) throw forbidden(`You may not change the lists of ${current.regionCode}`);
      if (current.version !== patch.version) {
        throw new AppError(409, 'version_conflict', `Someone changed this entry first (version ${current.version}, yours ${patch.version})`, undefined, { current });
      }
      const next: LedgerListEntry = {
        ...current,
        title: patch.title?.trim() ?? current.title,
        status: patch.status ?? current.status,
        memberUnitId: patch.memberUnitId === undefined ? current.memberUnitId : patch.memberUnitId,
        notes: patch.notes ?? current.notes,
      };
      if (!next.title) throw badRequest('A list entry needs a title');
      if (next.memberUnitId !== current.memberUnitId) await this.checkMemberUnits(tx, next.memberUnitId ? [next.memberUnitId] : [], next.regionCode);
      const row = await this.deps.ledger.updateListEntry(tx, next);
      return { row, op: 'update' as const, before: changed(current, row), entity: 'list' };
    }).then(({ row, seq }) => ({ entry: row, seq }));
  }

  /** A year's funds of a region (administrators only); a second record of the same region, kind and year is a 409. */
  async createFund(user: SessionUser, body: LedgerFundCreate): Promise<{ fund: LedgerFund; seq: number }> {
    const region = await this.deps.regions.require(body.regionCode);
    if (user.role !== 'admin' || !canWriteLedger(user, body.regionCode)) throw forbidden('Only an administrator of this region records funds');
    const wanted = body.kind === 'charity' ? 'street' : 'community';
    if (region.level !== wanted) throw new AppError(400, 'bad_region_level', `${body.kind} funds belong to a ${wanted}; ${body.regionCode} is a ${region.level}`);
    return this.write(user, async (tx) => {
      const row = await this.deps.ledger.insertFund(tx, `lf-${crypto.randomUUID()}`, body, user.username);
      if (!row) throw new AppError(409, 'fund_exists', `${body.regionCode} already has ${body.kind} funds for ${body.year}`);
      return { row, op: 'create' as const, before: null, entity: 'fund' };
    }).then(({ row, seq }) => ({ fund: row, seq }));
  }

  // ——— rules shared by the writes ———

  /** The region exists (404), is a street or a community (400) and the user may write it (403). */
  private async requireWritable(user: SessionUser, regionCode: string): Promise<void> {
    const region = await this.deps.regions.require(regionCode);
    if (region.level !== 'street' && region.level !== 'community') {
      throw new AppError(400, 'bad_region_level', `The ledger is kept by street and community committees; ${regionCode} is a ${region.level}`);
    }
    if (!canWriteLedger(user, regionCode)) throw forbidden(`You may not write the ledger of ${regionCode}`);
  }

  /** Dates in order and not in the future, `solvedOn` only on problems, member units of the record's street. */
  private async checkRecord(tx: Transaction, r: Omit<LedgerRecord, 'version' | 'updatedAt'>): Promise<void> {
    if (!r.title) throw badRequest('A record needs a title');
    if (r.occurredOn > districtToday()) throw badRequest(`A record is of something that happened: ${r.occurredOn} is in the future`);
    if (r.solvedOn !== null) {
      if (r.kind !== 'problem') throw badRequest(`Only a problem is solved; this record is a ${r.kind}`);
      if (r.solvedOn < r.occurredOn) throw badRequest(`A problem cannot be solved (${r.solvedOn}) before it was raised (${r.occurredOn})`);
      if (r.solvedOn > districtToday()) throw badRequest(`${r.solvedOn} is in the future`);
    }
    await this.checkMemberUnits(tx, r.memberUnitIds, r.regionCode);
  }

  /** Member units of a committee are units of its street (区域化党建成员单位 of the street's regional committee). */
  private async checkMemberUnits(tx: Transaction, ids: string[], regionCode: string): Promise<void> {
    const foreign = await this.deps.ledger.foreignMemberUnits(tx, ids, regionCode.slice(0, STREET_LENGTH));
    if (foreign.length) throw new AppError(400, 'unknown_member_unit', `Not a member unit of street ${regionCode.slice(0, STREET_LENGTH)}: ${foreign.join(', ')}`);
  }

  /** One transaction: the change, then its event committed with it; published after the commit. */
  private async write<R extends { id: string; regionCode: string }>(
    user: SessionUser,
    change: (tx: Transaction) => Promise<{ row: R; op: 'create' | 'update'; before: Record<string, unknown> | null; entity: string }>,
  ): Promise<{ row: R; seq: number }> {
    const { db, events, publish } = this.deps;
    const { row, message } = await db.transaction(async (tx) => {
      const { row, op, before, entity } = await change(tx);
      const after = { entity, ...(op === 'create' ? row : pick(row, Object.keys(before ?? {}))), name: (row as { title?: string }).title ?? `${(row as { kind?: string }).kind}` };
      const event = await events.appendAndCommit(tx, {
        actor: user.username,
        layer: LEDGER_LAYER,
        id: row.id,
        regionCode: row.regionCode,
        op,
        before: before && { entity, ...before },
        after,
      });
      return { row, message: { ...event, feature: null } as ChangeMessage };
    });
    publish(message);
    return { row, seq: message.seq };
  }
}

/** The fields of `before` that differ in `after` (version and timestamps apart): an update event's `before`. */
function changed<T extends object>(before: T, after: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(before)) {
    if (k === 'version' || k === 'updatedAt') continue;
    if (JSON.stringify(v) !== JSON.stringify((after as Record<string, unknown>)[k])) out[k] = v;
  }
  return out;
}

const pick = (o: object, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => keys.includes(k) || k === 'version' || k === 'kind' || k === 'list'));
