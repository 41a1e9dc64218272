import type { FastifyInstance } from 'fastify';
import { MEETING_KINDS, type MeetingCreate, type RatingCreate } from '../contract/building-groups.js';
import { BEARER, errors } from '../openapi.js';
import type { BuildingGroupsService } from './building-groups.service.js';

const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^[0-9]{6,16}$' } } } as const;
const DAY = { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD, not in the future' } as const;

/** contract/building-groups.ts Meeting. */
const meeting = {
  type: 'object',
  required: ['id', 'regionCode', 'regionName', 'kind', 'heldOn', 'topic', 'attendees', 'outcome', 'createdBy', 'createdAt'],
  additionalProperties: true,
  properties: {
    id: { type: 'integer' },
    regionCode: { type: 'string' },
    regionName: { type: 'string' },
    kind: { type: 'string', enum: [...MEETING_KINDS] },
    heldOn: { type: 'string' },
    topic: { type: 'string' },
    attendees: { type: 'integer' },
    outcome: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

/** contract/building-groups.ts Rating. */
const rating = {
  type: 'object',
  required: ['id', 'regionCode', 'stars', 'ratedOn', 'reason', 'ratedBy', 'createdAt'],
  additionalProperties: true,
  properties: {
    id: { type: 'integer' },
    regionCode: { type: 'string' },
    stars: { type: 'integer' },
    ratedOn: { type: 'string' },
    reason: { type: 'string' },
    ratedBy: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

const WRITE_RULE =
  'Administrators in their area; coordinators only for building groups inside their grid (checked spatially); 403 for anyone else. Checked: 401 → 400 malformed → 403 outside your area → 404 unknown region → 400 not a building group → 403.';

/** 三会 meetings and 星级 ratings of building groups: HTTP only, the rules live in BuildingGroupsService. */
export async function buildingGroupsRoutes(app: FastifyInstance, { buildingGroups }: { buildingGroups: BuildingGroupsService }) {
  app.get<{ Params: { code: string }; Querystring: { limit?: number; offset?: number } }>(
    '/api/regions/:code/meetings',
    {
      schema: {
        summary: '三会 meetings of a building group, or of every building group under a region: newest first, paged; with the count per kind over the last 12 months',
        tags: ['regions'],
        security: BEARER,
        params: codeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 }, offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['meetings', 'total', 'limit', 'offset', 'byKind'],
            additionalProperties: true,
            properties: {
              meetings: { type: 'array', items: meeting },
              total: { type: 'integer' },
              limit: { type: 'integer' },
              offset: { type: 'integer' },
              byKind: { type: 'object', additionalProperties: true, properties: Object.fromEntries(MEETING_KINDS.map((k) => [k, { type: 'integer' }])) },
            },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    (req) => buildingGroups.meetings(req.user, req.params.code, req.query.limit, req.query.offset),
  );

  app.post<{ Params: { code: string }; Body: MeetingCreate }>(
    '/api/regions/:code/meetings',
    {
      schema: {
        summary: 'Record a 三会 meeting of a building group (民情分析会 situation, 党群议事会 deliberation, 民主评议会 review)',
        description: WRITE_RULE,
        tags: ['regions'],
        security: BEARER,
        params: codeParams,
        body: {
          type: 'object',
          required: ['kind', 'heldOn', 'topic', 'attendees'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: [...MEETING_KINDS] },
            heldOn: DAY,
            topic: { type: 'string', minLength: 1, maxLength: 200 },
            attendees: { type: 'integer', minimum: 0, maximum: 10000 },
            outcome: { type: 'string', maxLength: 2000 },
          },
        },
        response: { 201: meeting, ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.status(201).send(await buildingGroups.addMeeting(req.user, req.params.code, req.body)),
  );

  app.get<{ Params: { code: string } }>(
    '/api/regions/:code/ratings',
    {
      schema: {
        summary: '星级楼组: star ratings of a building group, newest first, and its current rating',
        tags: ['regions'],
        security: BEARER,
        params: codeParams,
        response: {
          200: {
            type: 'object',
            required: ['code', 'current', 'ratings'],
            additionalProperties: true,
            properties: { code: { type: 'string' }, current: { type: ['integer', 'null'] }, ratings: { type: 'array', items: rating } },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    (req) => buildingGroups.ratings(req.user, req.params.code),
  );

  app.post<{ Params: { code: string }; Body: RatingCreate }>(
    '/api/regions/:code/ratings',
    {
      schema: {
        summary: 'Rate a building group (1–5 stars); its current star rating becomes the latest rating',
        description: WRITE_RULE,
        tags: ['regions'],
        security: BEARER,
        params: codeParams,
        body: {
          type: 'object',
          required: ['stars', 'ratedOn', 'reason'],
          additionalProperties: false,
          properties: { stars: { type: 'integer', minimum: 1, maximum: 5 }, ratedOn: DAY, reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: {
          201: { type: 'object', required: ['rating', 'current'], additionalProperties: true, properties: { rating, current: { type: 'integer' } } },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => reply.status(201).send(await buildingGroups.addRating(req.user, req.params.code, req.body)),
  );
}
