import type { FastifyInstance } from 'fastify';
import { ALERT_QUERY_STATES, ALERT_RULES, ALERT_STATES, type AlertAck, type AlertQueryState, type AlertResolve } from '../contract/alerts.js';
import { BEARER, errors } from '../openapi.js';
import type { AlertsService } from './alerts.service.js';

const nullableString = { type: ['string', 'null'] } as const;

/** contract/alerts.ts Alert. */
const alert = {
  type: 'object',
  required: ['id', 'rule', 'subject', 'regionCode', 'severity', 'state', 'raisedAt', 'details', 'version'],
  properties: {
    id: { type: 'string' },
    rule: { type: 'string', enum: [...ALERT_RULES] },
    subject: { type: 'string' },
    regionCode: { type: 'string' },
    severity: { type: 'string', enum: ['low', 'medium', 'high'] },
    state: { type: 'string', enum: [...ALERT_STATES] },
    raisedAt: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
    ackedBy: nullableString,
    ackedAt: nullableString,
    resolvedBy: nullableString,
    resolvedAt: nullableString,
    resolution: nullableString,
    version: { type: 'integer' },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;
const version = { type: 'integer', minimum: 1, maximum: 2147483647 } as const;
const moveErrors = errors(400, 401, 403, 404, 409);

export async function alertsRoutes(app: FastifyInstance, { alerts }: { alerts: AlertsService }) {
  app.get<{ Querystring: { region?: string; state?: AlertQueryState; limit?: number } }>(
    '/api/alerts',
    {
      schema: {
        summary: 'Alerts in your region (or in `region`, inside it), newest first, and their counts by state',
        description: '`state`: active (open or acknowledged, the default), open, acked, resolved or all.',
        tags: ['alerts'],
        security: BEARER,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            region: { type: 'string', pattern: '^[0-9]{6,16}$' },
            state: { type: 'string', enum: [...ALERT_QUERY_STATES] },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['alerts', 'counts'],
            properties: {
              alerts: { type: 'array', items: alert },
              counts: {
                type: 'object',
                required: [...ALERT_STATES],
                properties: Object.fromEntries(ALERT_STATES.map((s) => [s, { type: 'integer' }])),
              },
            },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    (req) => alerts.list(req.user, req.query),
  );

  app.post<{ Params: { id: string }; Body: AlertAck | undefined }>(
    '/api/alerts/:id/ack',
    {
      schema: {
        summary: 'Acknowledge an open alert (you are on it); 409 when it is not open or `version` is stale',
        tags: ['alerts'],
        security: BEARER,
        params: idParams,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { version } },
        response: { 200: alert, ...moveErrors },
      },
    },
    (req) => alerts.ack(req.user, req.params.id, req.body?.version),
  );

  app.post<{ Params: { id: string }; Body: AlertResolve }>(
    '/api/alerts/:id/resolve',
    {
      schema: {
        summary: 'Resolve an open or acknowledged alert, saying what was done; 409 when it is resolved already or `version` is stale',
        tags: ['alerts'],
        security: BEARER,
        params: idParams,
        body: {
          type: 'object',
          required: ['resolution'],
          additionalProperties: false,
          properties: { resolution: { type: 'string', minLength: 1, maxLength: 500, pattern: '\\S' }, version },
        },
        response: { 200: alert, ...moveErrors },
      },
    },
    (req) => alerts.resolve(req.user, req.params.id, req.body.resolution.trim(), req.body.version),
  );
}
