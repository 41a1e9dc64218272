import type { FastifyInstance } from 'fastify';
import {
  FUND_KINDS,
  LEDGER_LISTS,
  LEDGER_LIST_STATUSES,
  LEDGER_RECORD_KINDS,
  SERVICE_CATEGORIES,
  type LedgerFundCreate,
  type LedgerListCreate,
  type LedgerListPatch,
  type LedgerRecordCreate,
  type LedgerRecordKind,
  type LedgerRecordPatch,
} from '../contract/ledger.js';
import { REGION_LEVELS } from '../contract/regions.js';
import { BEARER, errors } from '../openapi.js';
import type { LedgerService } from './ledger.service.js';

const count = { type: 'integer' } as const;
const counts = (keys: readonly string[]) => ({ type: 'object', required: [...keys], properties: Object.fromEntries(keys.map((k) => [k, count])) });
const day = { type: 'string', format: 'date', description: 'YYYY-MM-DD' } as const;
const text = (max: number) => ({ type: 'string', maxLength: max }) as const;
const title = { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' } as const;
const memberUnitId = { type: 'string', minLength: 1, maxLength: 100 } as const;
/** A street (9 digits) or a community (12): the committees that keep a ledger. */
const committeeRegion = { type: 'string', pattern: '^[0-9]{9}([0-9]{3})?$' } as const;

const regionParams = { type: 'object', required: ['region'], properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' } } } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const periodQuery = { from: day, to: day } as const;

/** contract/ledger.ts LedgerRecord. */
const ledgerRecord = {
  type: 'object',
  required: ['id', 'kind', 'regionCode', 'title', 'occurredOn', 'solvedOn', 'memberUnitIds', 'notes', 'createdBy', 'version', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...LEDGER_RECORD_KINDS] },
    regionCode: { type: 'string' },
    title: { type: 'string' },
    occurredOn: { type: 'string' },
    solvedOn: { type: ['string', 'null'] },
    memberUnitIds: { type: 'array', items: { type: 'string' } },
    notes: { type: 'string' },
    createdBy: { type: 'string' },
    version: count,
    updatedAt: { type: 'string' },
  },
} as const;

const listEntry = {
  type: 'object',
  required: ['id', 'list', 'regionCode', 'title', 'status', 'memberUnitId', 'notes', 'createdBy', 'version', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    list: { type: 'string', enum: [...LEDGER_LISTS] },
    regionCode: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'string', enum: [...LEDGER_LIST_STATUSES] },
    memberUnitId: { type: ['string', 'null'] },
    notes: { type: 'string' },
    createdBy: { type: 'string' },
    version: count,
    updatedAt: { type: 'string' },
  },
} as const;

const serviceItem = {
  type: 'object',
  required: ['id', 'category', 'regionCode', 'title', 'memberUnitId', 'memberUnitName'],
  properties: {
    id: { type: 'string' },
    category: { type: 'string', enum: [...SERVICE_CATEGORIES] },
    regionCode: { type: 'string' },
    title: { type: 'string' },
    memberUnitId: { type: 'string' },
    memberUnitName: { type: 'string' },
  },
} as const;

const fund = {
  type: 'object',
  required: ['id', 'kind', 'regionCode', 'year', 'amountWan', 'notes', 'createdBy', 'version'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: [...FUND_KINDS] },
    regionCode: { type: 'string' },
    year: count,
    amountWan: { type: 'number' },
    notes: { type: 'string' },
    createdBy: { type: 'string' },
    version: count,
  },
} as const;

/** contract/ledger.ts LedgerSummary. */
const summary = {
  type: 'object',
  required: ['region', 'period', 'jointMeetings', 'problemsRaised', 'problemsSolved', 'agreements', 'jointServices', 'lists', 'serviceItems', 'funds', 'memberUnits'],
  properties: {
    region: {
      type: 'object',
      required: ['code', 'name', 'level'],
      properties: { code: { type: 'string' }, name: { type: 'string' }, level: { type: 'string', enum: [...REGION_LEVELS] } },
    },
    period: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } },
    jointMeetings: count,
    problemsRaised: count,
    problemsSolved: count,
    agreements: count,
    jointServices: count,
    lists: { type: 'object', required: [...LEDGER_LISTS], properties: Object.fromEntries(LEDGER_LISTS.map((l) => [l, counts(LEDGER_LIST_STATUSES)])) },
    serviceItems: { type: 'object', required: ['total', 'byCategory'], properties: { total: count, byCategory: counts(SERVICE_CATEGORIES) } },
    funds: {
      type: 'object',
      required: ['year', 'byKind', 'charityStreets'],
      properties: {
        year: count,
        byKind: { type: 'object', required: [...FUND_KINDS], properties: Object.fromEntries(FUND_KINDS.map((k) => [k, { type: 'number', description: '万元' }])) },
        charityStreets: count,
      },
    },
    memberUnits: count,
  },
} as const;

const recordCreate = {
  type: 'object',
  required: ['kind', 'regionCode', 'title', 'occurredOn'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...LEDGER_RECORD_KINDS] },
    regionCode: committeeRegion,
    title,
    occurredOn: day,
    solvedOn: { anyOf: [day, { type: 'null' }] },
    memberUnitIds: { type: 'array', maxItems: 50, items: memberUnitId },
    notes: text(2000),
  },
} as const;

const recordPatch = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  minProperties: 2,
  properties: {
    version: { type: 'integer', minimum: 1 },
    title,
    occurredOn: day,
    solvedOn: { anyOf: [day, { type: 'null' }] },
    memberUnitIds: { type: 'array', maxItems: 50, items: memberUnitId },
    notes: text(2000),
  },
} as const;

const listCreate = {
  type: 'object',
  required: ['list', 'regionCode', 'title'],
  additionalProperties: false,
  properties: {
    list: { type: 'string', enum: [...LEDGER_LISTS] },
    regionCode: committeeRegion,
    title,
    status: { type: 'string', enum: [...LEDGER_LIST_STATUSES] },
    memberUnitId: { anyOf: [memberUnitId, { type: 'null' }] },
    notes: text(2000),
  },
} as const;

const listPatch = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  minProperties: 2,
  properties: {
    version: { type: 'integer', minimum: 1 },
    title,
    status: { type: 'string', enum: [...LEDGER_LIST_STATUSES] },
    memberUnitId: { anyOf: [memberUnitId, { type: 'null' }] },
    notes: text(2000),
  },
} as const;

const fundCreate = {
  type: 'object',
  required: ['kind', 'regionCode', 'year', 'amountWan'],
  additionalProperties: false,
  properties: {
    kind: { type: 'string', enum: [...FUND_KINDS] },
    regionCode: committeeRegion,
    year: { type: 'integer', minimum: 2000, maximum: 2100 },
    amountWan: { type: 'number', minimum: 0, maximum: 1_000_000 },
    notes: text(2000),
  },
} as const;

const withSeq = (key: string, schema: object) => ({ type: 'object', required: [key, 'seq'], properties: { [key]: schema, seq: count } });
const readErrors = errors(400, 401, 403, 404);
const writeErrors = errors(400, 401, 403, 404, 409);

/** The regional Party-building ledger: HTTP only, the rules (who may write where) live in LedgerService. */
export async function ledgerRoutes(app: FastifyInstance, { ledger }: { ledger: LedgerService }) {
  app.get<{ Params: { region: string }; Querystring: { from?: string; to?: string } }>(
    '/api/ledger/:region',
    {
      schema: {
        summary: 'Ledger figures of a region subtree over a period (default the last 12 months)',
        tags: ['ledger'],
        security: BEARER,
        params: regionParams,
        querystring: { type: 'object', additionalProperties: false, properties: periodQuery },
        response: { 200: summary, ...readErrors },
      },
    },
    (req) => ledger.summary(req.user, req.params.region, ledger.period(req.query.from, req.query.to)),
  );

  app.get<{ Params: { region: string }; Querystring: { from?: string; to?: string; kind?: LedgerRecordKind; limit?: number } }>(
    '/api/ledger/:region/records',
    {
      schema: {
        summary: 'Records of a region subtree dated (or, problems, solved) in a period, newest first',
        tags: ['ledger'],
        security: BEARER,
        params: regionParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...periodQuery, kind: { type: 'string', enum: [...LEDGER_RECORD_KINDS] }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
        },
        response: { 200: { type: 'object', required: ['records', 'total'], properties: { records: { type: 'array', items: ledgerRecord }, total: count } }, ...readErrors },
      },
    },
    (req) => ledger.records(req.user, req.params.region, ledger.period(req.query.from, req.query.to), req.query.kind, req.query.limit),
  );

  app.post<{ Body: LedgerRecordCreate }>(
    '/api/ledger/records',
    {
      schema: {
        summary: 'Enter a record (admins in their region; a coordinator for the community of their grid)',
        tags: ['ledger'],
        security: BEARER,
        body: recordCreate,
        response: { 201: withSeq('record', ledgerRecord), ...writeErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await ledger.createRecord(req.user, req.body)),
  );

  app.patch<{ Params: { id: string }; Body: LedgerRecordPatch }>(
    '/api/ledger/records/:id',
    {
      schema: {
        summary: 'Change a record read at `version` (e.g. `solvedOn` marks a problem solved); 409 with `current` when stale',
        tags: ['ledger'],
        security: BEARER,
        params: idParams,
        body: recordPatch,
        response: { 200: withSeq('record', ledgerRecord), ...writeErrors },
      },
    },
    (req) => ledger.patchRecord(req.user, req.params.id, req.body),
  );

  app.get<{ Params: { region: string } }>(
    '/api/ledger/:region/lists',
    {
      schema: {
        summary: 'The three lists (resources, needs, projects) of a region subtree',
        tags: ['ledger'],
        security: BEARER,
        params: regionParams,
        response: { 200: { type: 'array', items: listEntry }, ...readErrors },
      },
    },
    (req) => ledger.lists(req.user, req.params.region),
  );

  app.post<{ Body: LedgerListCreate }>(
    '/api/ledger/lists',
    {
      schema: {
        summary: 'Add an entry to one of the three lists',
        tags: ['ledger'],
        security: BEARER,
        body: listCreate,
        response: { 201: withSeq('entry', listEntry), ...writeErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await ledger.createListEntry(req.user, req.body)),
  );

  app.patch<{ Params: { id: string }; Body: LedgerListPatch }>(
    '/api/ledger/lists/:id',
    {
      schema: {
        summary: 'Change a list entry read at `version` (status open → matched → done, the unit that took it on)',
        tags: ['ledger'],
        security: BEARER,
        params: idParams,
        body: listPatch,
        response: { 200: withSeq('entry', listEntry), ...writeErrors },
      },
    },
    (req) => ledger.patchListEntry(req.user, req.params.id, req.body),
  );

  app.get<{ Params: { region: string } }>(
    '/api/ledger/:region/service-items',
    {
      schema: {
        summary: 'Free service items offered by the member units of a region subtree',
        tags: ['ledger'],
        security: BEARER,
        params: regionParams,
        response: { 200: { type: 'array', items: serviceItem }, ...readErrors },
      },
    },
    (req) => ledger.serviceItems(req.user, req.params.region),
  );

  app.get<{ Params: { region: string } }>(
    '/api/ledger/:region/funds',
    {
      schema: {
        summary: 'Funds of a region subtree per year (charity funds of streets; work, Party-building and service funds of communities)',
        tags: ['ledger'],
        security: BEARER,
        params: regionParams,
        response: { 200: { type: 'array', items: fund }, ...readErrors },
      },
    },
    (req) => ledger.funds(req.user, req.params.region),
  );

  app.post<{ Body: LedgerFundCreate }>(
    '/api/ledger/funds',
    {
      schema: {
        summary: "Record a year's funds of a region (administrators only); 409 when that year's are recorded already",
        tags: ['ledger'],
        security: BEARER,
        body: fundCreate,
        response: { 201: withSeq('fund', fund), ...writeErrors },
      },
    },
    async (req, reply) => reply.status(201).send(await ledger.createFund(req.user, req.body)),
  );
}
