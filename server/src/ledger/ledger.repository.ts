import type { Queryable } from '../db/db.js';
import type {
  FundKind,
  LedgerFund,
  LedgerFundCreate,
  LedgerList,
  LedgerListEntry,
  LedgerListStatus,
  LedgerPeriod,
  LedgerRecord,
  LedgerRecordKind,
  LedgerServiceItem,
  ServiceCategory,
} from '../contract/ledger.js';

// Dates cross the wire as YYYY-MM-DD text: the drivers would turn a `date` into a local-midnight Date.
const RECORD_COLUMNS = `id, kind, region_code AS "regionCode", title, to_char(occurred_on, 'YYYY-MM-DD') AS "occurredOn",
  to_char(solved_on, 'YYYY-MM-DD') AS "solvedOn", member_unit_ids AS "memberUnitIds", notes, created_by AS "createdBy", version,
  updated_at AS "updatedAt"`;
const LIST_COLUMNS = `id, list, region_code AS "regionCode", title, status, member_unit_id AS "memberUnitId", notes,
  created_by AS "createdBy", version, updated_at AS "updatedAt"`;
const FUND_COLUMNS = `id, kind, region_code AS "regionCode", year, amount_wan AS "amountWan", notes, created_by AS "createdBy", version`;

/** Counts of the ledger over a subtree (LedgerService.summary); every figure is a count or a sum of rows. */
export interface LedgerCounts {
  records: Record<'jointMeetings' | 'problemsRaised' | 'problemsSolved' | 'agreements' | 'jointServices', number>;
  lists: { list: LedgerList; status: LedgerListStatus; n: number }[];
  serviceItems: Partial<Record<ServiceCategory, number>>;
  funds: Partial<Record<FundKind, number>>;
  charityStreets: number;
  memberUnits: number;
}

/** New row of ledger_records (the service chose the id and checked every value). */
export type RecordRow = Omit<LedgerRecord, 'version' | 'updatedAt'>;

export type ListRow = Omit<LedgerListEntry, 'version' | 'updatedAt'>;

/**
 * SQL of the record counts of a period, per group: `$from`/`$to` name the parameters holding the period's dates.
 * One text for the summary and the regions' roll-ups (regions.repository.ts), so the figures cannot drift apart.
 */
export function recordCountsSql(from: string, to: string): Record<keyof LedgerCounts['records'], string> {
  const within = (column: string) => `${column} BETWEEN ${from}::date AND ${to}::date`;
  return {
    jointMeetings: `count(*) FILTER (WHERE kind = 'joint_meeting' AND ${within('occurred_on')})`,
    problemsRaised: `count(*) FILTER (WHERE kind = 'problem' AND ${within('occurred_on')})`,
    problemsSolved: `count(*) FILTER (WHERE kind = 'problem' AND ${within('solved_on')})`,
    agreements: `count(*) FILTER (WHERE kind = 'agreement' AND ${within('occurred_on')})`,
    jointServices: `count(*) FILTER (WHERE kind = 'joint_service' AND ${within('occurred_on')})`,
  };
}

/** All SQL of the regional Party-building ledger (区域化党建台账). Subtrees are code prefixes, as in regions. */
export class LedgerRepository {
  constructor(private readonly db: Queryable) {}

  async counts(code: string, period: LedgerPeriod, year: number): Promise<LedgerCounts> {
    const sums = recordCountsSql('$2', '$3');
    const [row] = await this.db.query(
      `SELECT
         (SELECT json_build_object(${Object.entries(sums).map(([k, sql]) => `'${k}', ${sql}`).join(', ')})
            FROM ledger_records WHERE region_code LIKE $1 || '%') AS records,
         (SELECT COALESCE(json_agg(json_build_object('list', list, 'status', status, 'n', n)), '[]') FROM (
            SELECT list, status, count(*) AS n FROM ledger_list_entries WHERE region_code LIKE $1 || '%' GROUP BY 1, 2) AS l) AS lists,
         (SELECT json_object_agg(category, n) FROM (
            SELECT category, count(*) AS n FROM ledger_service_items WHERE region_code LIKE $1 || '%' GROUP BY 1) AS s) AS items,
         (SELECT json_object_agg(kind, n) FROM (
            SELECT kind, sum(amount_wan)::float8 AS n FROM ledger_funds WHERE region_code LIKE $1 || '%' AND year = $4 GROUP BY 1) AS f) AS funds,
         (SELECT count(DISTINCT region_code)::int FROM ledger_funds
            WHERE region_code LIKE $1 || '%' AND year = $4 AND kind = 'charity') AS charity_streets,
         (SELECT count(*)::int FROM member_units WHERE region_code LIKE $1 || '%' AND status = 'active') AS member_units`,
      [code, period.from, period.to, year],
    );
    return {
      records: row.records,
      lists: row.lists,
      serviceItems: row.items ?? {},
      funds: row.funds ?? {},
      charityStreets: row.charity_streets,
      memberUnits: row.member_units,
    };
  }

  /** Records of the subtree whose date (or, for problems, solved date) falls in the period, newest first. */
  async records(code: string, period: LedgerPeriod, kind: LedgerRecordKind | undefined, limit: number): Promise<{ records: LedgerRecord[]; total: number }> {
    const where = `region_code LIKE $1 || '%' AND ($4::text IS NULL OR kind = $4)
       AND (occurred_on BETWEEN $2::date AND $3::date OR solved_on BETWEEN $2::date AND $3::date)`;
    const [records, [{ total }]] = await Promise.all([
      this.db.query<LedgerRecord>(
        `SELECT ${RECORD_COLUMNS} FROM ledger_records WHERE ${where} ORDER BY occurred_on DESC, id DESC LIMIT $5`,
        [code, period.from, period.to, kind ?? null, limit],
      ),
      this.db.query<{ total: number }>(`SELECT count(*)::int AS total FROM ledger_records WHERE ${where}`, [code, period.from, period.to, kind ?? null]),
    ]);
    return { records, total };
  }

  async findRecord(q: Queryable, id: string, lock = false): Promise<LedgerRecord | undefined> {
    const [row] = await q.query<LedgerRecord>(`SELECT ${RECORD_COLUMNS} FROM ledger_records WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  async insertRecord(q: Queryable, r: RecordRow): Promise<LedgerRecord> {
    const [row] = await q.query<LedgerRecord>(
      `INSERT INTO ledger_records (id, kind, region_code, title, occurred_on, solved_on, member_unit_ids, notes, created_by)
       VALUES ($1, $2, $3, $4, $5::date, $6::date, $7::text[], $8, $9) RETURNING ${RECORD_COLUMNS}`,
      [r.id, r.kind, r.regionCode, r.title, r.occurredOn, r.solvedOn, r.memberUnitIds, r.notes, r.createdBy],
    );
    return row;
  }

  async updateRecord(q: Queryable, r: LedgerRecord): Promise<LedgerRecord> {
    const [row] = await q.query<LedgerRecord>(
      `UPDATE ledger_records SET title = $2, occurred_on = $3::date, solved_on = $4::date, member_unit_ids = $5::text[], notes = $6,
              version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${RECORD_COLUMNS}`,
      [r.id, r.title, r.occurredOn, r.solvedOn, r.memberUnitIds, r.notes],
    );
    return row;
  }

  async lists(code: string): Promise<LedgerListEntry[]> {
    return this.db.query<LedgerListEntry>(
      `SELECT ${LIST_COLUMNS} FROM ledger_list_entries WHERE region_code LIKE $1 || '%' ORDER BY list, status, updated_at DESC, id`,
      [code],
    );
  }

  async findListEntry(q: Queryable, id: string, lock = false): Promise<LedgerListEntry | undefined> {
    const [row] = await q.query<LedgerListEntry>(`SELECT ${LIST_COLUMNS} FROM ledger_list_entries WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  async insertListEntry(q: Queryable, e: ListRow): Promise<LedgerListEntry> {
    const [row] = await q.query<LedgerListEntry>(
      `INSERT INTO ledger_list_entries (id, list, region_code, title, status, member_unit_id, notes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${LIST_COLUMNS}`,
      [e.id, e.list, e.regionCode, e.title, e.status, e.memberUnitId, e.notes, e.createdBy],
    );
    return row;
  }

  async updateListEntry(q: Queryable, e: LedgerListEntry): Promise<LedgerListEntry> {
    const [row] = await q.query<LedgerListEntry>(
      `UPDATE ledger_list_entries SET title = $2, status = $3, member_unit_id = $4, notes = $5, version = version + 1, updated_at = now()
        WHERE id = $1 RETURNING ${LIST_COLUMNS}`,
      [e.id, e.title, e.status, e.memberUnitId, e.notes],
    );
    return row;
  }

  async serviceItems(code: string): Promise<LedgerServiceItem[]> {
    return this.db.query<LedgerServiceItem>(
      `SELECT i.id, i.category, i.region_code AS "regionCode", i.title, i.member_unit_id AS "memberUnitId", m.name AS "memberUnitName"
         FROM ledger_service_items AS i JOIN member_units AS m ON m.id = i.member_unit_id
        WHERE i.region_code LIKE $1 || '%' ORDER BY i.category, i.id`,
      [code],
    );
  }

  async funds(code: string): Promise<LedgerFund[]> {
    return this.db.query<LedgerFund>(
      `SELECT ${FUND_COLUMNS} FROM ledger_funds WHERE region_code LIKE $1 || '%' ORDER BY year DESC, region_code, kind`,
      [code],
    );
  }

  /** The new fund, or undefined when the region already has one of this kind for this year. */
  async insertFund(q: Queryable, id: string, f: LedgerFundCreate, createdBy: string): Promise<LedgerFund | undefined> {
    const [row] = await q.query<LedgerFund>(
      `INSERT INTO ledger_funds (id, kind, region_code, year, amount_wan, notes, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_code, kind, year) DO NOTHING RETURNING ${FUND_COLUMNS}`,
      [id, f.kind, f.regionCode, f.year, f.amountWan, f.notes ?? '', createdBy],
    );
    return row;
  }

  /** Of these member unit ids, those that are not units of the subtree of `code` (a street). */
  async foreignMemberUnits(q: Queryable, ids: string[], code: string): Promise<string[]> {
    if (!ids.length) return [];
    const rows = await q.query<{ id: string }>(
      `SELECT u.id FROM unnest($1::text[]) AS u(id)
        WHERE NOT EXISTS (SELECT 1 FROM member_units AS m WHERE m.id = u.id AND m.region_code LIKE $2 || '%')`,
      [ids, code],
    );
    return rows.map((r) => r.id);
  }

  /** The region's level, or undefined for an unknown code. */
  async regionLevel(code: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ level: string }>(`SELECT level FROM regions WHERE code = $1`, [code]);
    return row?.level;
  }
}
