import type { FastifyInstance } from 'fastify';
import { BEARER, errors } from '../openapi.js';
import type { EventsService } from './events.service.js';

export async function eventsRoutes(app: FastifyInstance, { events }: { events: EventsService }) {
  app.get<{ Querystring: { since: number; limit: number; region?: string } }>(
    '/api/events',
    {
      schema: {
        summary: 'Events after a seq, gap-free and in order, within a region subtree (catch-up after a reconnect)',
        tags: ['events'],
        security: BEARER,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'integer', minimum: 0, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 500 },
            region: { type: 'string', pattern: '^[0-9]{6,16}$' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events', 'last'],
            additionalProperties: true,
            properties: {
              events: { type: 'array', items: { $ref: 'ChangeEvent#' } },
              last: { type: 'integer', description: 'the newest seq committed on the server (not the last on this page)' },
            },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    (req) => events.since(req.user, req.query.since, req.query.limit, req.query.region),
  );
}
