import type { FastifyInstance } from 'fastify';
import { userRoots } from '../auth/auth.service.js';
import { BEARER, errors } from '../openapi.js';
import type { SearchRepository } from './search.repository.js';

const searchResult = {
  type: 'object',
  required: ['regions', 'features'],
  additionalProperties: true,
  properties: {
    regions: {
      type: 'array',
      items: { type: 'object', additionalProperties: true, properties: { code: { type: 'string' }, name: { type: 'string' }, level: { type: 'string' } } },
    },
    features: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          layer: { type: 'string' },
          id: { type: 'string' },
          name: { type: 'string' },
          regionCode: { type: 'string' },
          lon: { type: 'number' },
          lat: { type: 'number' },
        },
      },
    },
  },
} as const;

export async function searchRoutes(app: FastifyInstance, { search }: { search: SearchRepository }) {
  app.get<{ Querystring: { q: string } }>(
    '/api/search',
    {
      schema: {
        summary: 'Regions and points by name or code, within your region',
        tags: ['search'],
        security: BEARER,
        querystring: {
          type: 'object',
          required: ['q'],
          additionalProperties: false,
          properties: { q: { type: 'string', minLength: 1, maxLength: 50 } },
        },
        response: { 200: searchResult, ...errors(400, 401) },
      },
    },
    // Reads are limited by construction: the query is bounded to the user's own subtree.
    (req) => search.search(req.query.q.trim(), userRoots(req.user)),
  );
}
