import type { FastifyInstance } from 'fastify';
import { userRoots } from '../auth/auth.service.js';
import type { SearchRepository } from './search.repository.js';

export async function searchRoutes(app: FastifyInstance, { search }: { search: SearchRepository }) {
  app.get<{ Querystring: { q: string } }>(
    '/api/search',
    {
      schema: {
        summary: 'Regions and points by name or code, within your region',
        querystring: {
          type: 'object',
          required: ['q'],
          additionalProperties: false,
          properties: { q: { type: 'string', minLength: 1, maxLength: 50 } },
        },
      },
    },
    // Reads are limited by construction: the query is bounded to the user's own subtree.
    (req) => search.search(req.query.q.trim(), userRoots(req.user)),
  );
}
