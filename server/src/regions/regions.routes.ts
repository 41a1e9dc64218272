import type { FastifyInstance } from 'fastify';
import { assertCanRead } from '../auth/auth.service.js';
import { BEARER, errors, geoJson } from '../openapi.js';
import { REGION_LEVELS } from '../contract/regions.js';
import type { RegionsService } from './regions.service.js';

const codeParams = {
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string', pattern: '^[0-9]{6,16}$' } },
} as const;

const count = { type: 'integer' } as const;
/** An object of counts: these keys, and more may come (additionalProperties keeps them on the wire). */
const counts = (...keys: string[]) => ({ type: 'object', additionalProperties: true, properties: Object.fromEntries(keys.map((k) => [k, count])) });

const regionRef = {
  type: 'object',
  required: ['code', 'name', 'level'],
  additionalProperties: true,
  properties: { code: { type: 'string' }, name: { type: 'string' }, level: { type: 'string', enum: [...REGION_LEVELS] } },
} as const;

/** contract/regions.ts RegionStats. */
const regionStats = {
  type: 'object',
  required: ['region', 'regions', 'serviceCentres', 'tempBranches', 'compounds', 'projects', 'disputes'],
  additionalProperties: true,
  properties: {
    region: regionRef,
    regions: counts('street', 'community', 'grid', 'buildingGroup'),
    serviceCentres: counts('street', 'community500', 'community1000'),
    tempBranches: counts('project', 'compound'),
    compounds: counts('total', 'unmanaged'),
    projects: {
      type: 'object',
      additionalProperties: true,
      properties: { total: count, byStatus: { type: 'object', additionalProperties: count } },
    },
    disputes: counts('open', 'overdue', 'resolved'),
    memberUnits: counts('total'),
    coBuilding: counts('jointMeetings', 'problemsRaised', 'problemsSolved', 'agreements', 'jointServices'),
    services: counts('freeItems', 'categories', 'socialOrgs', 'socialWorkers', 'charityFundStreets'),
  },
} as const;

/** contract/regions.ts RegionDetail. */
const regionDetail = {
  type: 'object',
  required: ['code', 'name', 'level', 'parentCode', 'path', 'children', 'kpis'],
  additionalProperties: true,
  properties: {
    ...regionRef.properties,
    parentCode: { type: ['string', 'null'] },
    path: { type: 'array', items: { type: 'string' }, description: 'ancestor codes, district first' },
    ancestors: { type: 'array', items: regionRef },
    partyOrg: {
      type: 'object',
      additionalProperties: true,
      properties: { name: { type: 'string' }, secretary: { type: 'string' }, members: count },
    },
    starRating: { type: ['integer', 'null'] },
    children: { type: 'array', items: regionRef },
    kpis: counts('compounds', 'unmanagedCompounds', 'serviceCentres', 'tempBranches', 'openDisputes', 'overdueDisputes', 'projectsInProgress'),
  },
} as const;

/** Regions and their roll-ups: HTTP only, the rules live in RegionsService. */
export async function regionsRoutes(app: FastifyInstance, { regions }: { regions: RegionsService }) {
  app.get<{ Querystring: { region?: string; at?: string } }>(
    '/api/stats',
    {
      schema: {
        summary: 'Roll-up figures of a region subtree (default your own region)',
        tags: ['regions'],
        security: BEARER,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            region: { type: 'string', pattern: '^[0-9]{6,16}$' },
            at: { type: 'string', format: 'date-time', description: 'replay: figures as they stood at this time' },
          },
        },
        response: { 200: regionStats, ...errors(400, 401, 403, 404) },
      },
    },
    (req) => {
      // Default: the user's own region (the district for leaders and displays of the whole district).
      const code = req.query.region ?? req.user.regionCode;
      assertCanRead(req.user, code);
      return regions.stats(code, req.query.at);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/api/regions/:code',
    {
      schema: {
        summary: 'A region with its ancestry, children and KPIs',
        tags: ['regions'],
        security: BEARER,
        params: codeParams,
        response: { 200: regionDetail, ...errors(400, 401, 403, 404) },
      },
    },
    (req) => {
      assertCanRead(req.user, req.params.code);
      return regions.detail(req.params.code);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/api/regions/:code/children.geojson',
    {
      schema: {
        summary: 'Child regions as GeoJSON with their KPIs (choropleth)',
        tags: ['regions'],
        security: BEARER,
        params: codeParams,
        response: { 200: geoJson('FeatureCollection#', 'the child regions; properties: RegionRef, parentCode and the KPIs'), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      assertCanRead(req.user, req.params.code);
      reply.type('application/geo+json; charset=utf-8');
      return regions.childrenGeoJson(req.params.code);
    },
  );
}
