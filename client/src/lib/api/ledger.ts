/**
 * The regional Party-building ledger (区域化党建台账): its figures, records and lists of a region, and the writes of
 * the admin panel. Types come from the server's contract; checks are shallow, as in admin.ts.
 */
import type {
  LedgerFund,
  LedgerFundCreate,
  LedgerListCreate,
  LedgerListEntry,
  LedgerListPatch,
  LedgerRecord,
  LedgerRecordCreate,
  LedgerRecordKind,
  LedgerRecordPatch,
  LedgerRecordsPage,
  LedgerSummary,
} from '$contract/ledger';
import { ApiError, getJson, patchJson, postJson, type RequestOptions } from './http';

const enc = encodeURIComponent;

function bad(what: string): never {
  throw new ApiError(200, 'bad_response', `unexpected ${what} payload`);
}

export async function fetchLedgerSummary(region: string, opts?: RequestOptions): Promise<LedgerSummary> {
  const s = await getJson<LedgerSummary>(`/api/ledger/${enc(region)}`, opts);
  if (typeof s?.jointMeetings !== 'number' || typeof s.lists !== 'object') bad('ledger summary');
  return s;
}

export async function fetchLedgerRecords(region: string, filter: { kind?: LedgerRecordKind | ''; limit?: number; from?: string } = {}, opts?: RequestOptions): Promise<LedgerRecordsPage> {
  const params = new URLSearchParams();
  if (filter.kind) params.set('kind', filter.kind);
  if (filter.limit) params.set('limit', String(filter.limit));
  if (filter.from) params.set('from', filter.from);
  const page = await getJson<LedgerRecordsPage>(`/api/ledger/${enc(region)}/records?${params}`, opts);
  if (!Array.isArray(page?.records)) bad('ledger records');
  return page;
}

export async function fetchLedgerLists(region: string, opts?: RequestOptions): Promise<LedgerListEntry[]> {
  const list = await getJson<LedgerListEntry[]>(`/api/ledger/${enc(region)}/lists`, opts);
  if (!Array.isArray(list)) bad('ledger lists');
  return list;
}

export async function fetchLedgerFunds(region: string, opts?: RequestOptions): Promise<LedgerFund[]> {
  const list = await getJson<LedgerFund[]>(`/api/ledger/${enc(region)}/funds`, opts);
  if (!Array.isArray(list)) bad('ledger funds');
  return list;
}

export const createLedgerRecord = (body: LedgerRecordCreate) => postJson<{ record: LedgerRecord; seq: number }>('/api/ledger/records', body);
export const patchLedgerRecord = (id: string, patch: LedgerRecordPatch) => patchJson<{ record: LedgerRecord; seq: number }>(`/api/ledger/records/${enc(id)}`, patch);
export const createLedgerListEntry = (body: LedgerListCreate) => postJson<{ entry: LedgerListEntry; seq: number }>('/api/ledger/lists', body);
export const patchLedgerListEntry = (id: string, patch: LedgerListPatch) => patchJson<{ entry: LedgerListEntry; seq: number }>(`/api/ledger/lists/${enc(id)}`, patch);
export const createLedgerFund = (body: LedgerFundCreate) => postJson<{ fund: LedgerFund; seq: number }>('/api/ledger/funds', body);
