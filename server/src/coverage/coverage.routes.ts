import type { FastifyInstance } from 'fastify';
import { COVERAGE_DISTANCE_MAX_M, COVERAGE_DISTANCE_MIN_M } from '../contract/coverage.js';
import { REGION_LEVELS } from '../contract/regions.js';
import { BEARER, errors, geoJson } from '../openapi.js';
import type { CoverageService } from './coverage.service.js';

type Query = { region?: string; distance?: number };

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    region: { type: 'string', pattern: '^[0-9]{6,16}$', description: 'default: your own region' },
    distance: {
      type: 'number',
      minimum: COVERAGE_DISTANCE_MIN_M,
      maximum: COVERAGE_DISTANCE_MAX_M,
      description: `walking distance in metres (${COVERAGE_DISTANCE_MIN_M}–${COVERAGE_DISTANCE_MAX_M}); default COVERAGE_DISTANCE_M`,
    },
  },
} as const;

const figures = {
  type: 'object',
  required: ['code', 'name', 'level', 'compounds', 'covered', 'uncovered', 'ratio'],
  additionalProperties: true,
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    level: { type: 'string', enum: [...REGION_LEVELS] },
    compounds: { type: 'integer' },
    covered: { type: 'integer' },
    uncovered: { type: 'integer' },
    ratio: { type: ['number', 'null'], description: 'covered / compounds; null without compounds' },
  },
} as const;

/** contract/coverage.ts RegionCoverage. */
const regionCoverage = {
  ...figures,
  required: [...figures.required, 'distanceM', 'centres', 'children'],
  properties: {
    ...figures.properties,
    distanceM: { type: 'number' },
    centres: { type: 'integer', description: 'open community centres inside the region' },
    children: { type: 'array', items: figures },
  },
} as const;

/** Service-centre coverage (服务覆盖): HTTP only, the rules live in CoverageService. */
export async function coverageRoutes(app: FastifyInstance, { coverage }: { coverage: CoverageService }) {
  app.get<{ Querystring: Query }>(
    '/api/coverage',
    {
      schema: {
        summary: 'Compounds within / beyond walking distance of an open community service centre, for a region and each child',
        tags: ['regions'],
        security: BEARER,
        querystring,
        response: { 200: regionCoverage, ...errors(400, 401, 403, 404) },
      },
    },
    (req) => coverage.region(req.user, req.query.region, req.query.distance),
  );

  app.get<{ Querystring: Query }>(
    '/api/coverage/uncovered.geojson',
    {
      schema: {
        summary: 'Compounds farther than the walking distance from every open community service centre, with the nearest one',
        tags: ['regions'],
        security: BEARER,
        querystring,
        response: {
          200: geoJson('FeatureCollection#', 'uncovered compounds; properties: contract/coverage.ts UncoveredCompoundProps; top level: distanceM, truncated'),
          ...errors(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      reply.type('application/geo+json; charset=utf-8');
      return coverage.uncovered(req.user, req.query.region, req.query.distance);
    },
  );
}
