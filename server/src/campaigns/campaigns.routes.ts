import type { FastifyInstance } from 'fastify';
import type { CampaignCreate } from '../contract/admin.js';
import { LAYERS } from '../contract/layers.js';
import { BEARER, errors } from '../openapi.js';
import { requireAdmin } from '../users/users.routes.js';
import type { CampaignsService } from './campaigns.service.js';

const STATUS = { type: 'string', minLength: 1, maxLength: 40 } as const;

/** CampaignCreate (contract/admin.ts); statuses and `where` keys are checked against the layer by the service. */
const campaignCreate = {
  type: 'object',
  required: ['name', 'layer', 'startsAt', 'endsAt', 'doneStatuses', 'targets'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    layer: { type: 'string', enum: [...LAYERS] },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    doneStatuses: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: STATUS },
    targets: {
      type: 'object',
      required: ['region'],
      additionalProperties: false,
      properties: {
        region: { type: 'string', pattern: '^[0-9]{6,16}$' },
        statuses: { type: 'array', minItems: 1, maxItems: 10, uniqueItems: true, items: STATUS },
        where: {
          type: 'object',
          maxProperties: 10,
          additionalProperties: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'boolean' }] },
        },
      },
    },
  },
} as const;

const campaign = {
  type: 'object',
  required: ['id', 'name', 'layer', 'startsAt', 'endsAt', 'status', 'doneStatuses', 'targets', 'done'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    layer: { type: 'string' },
    startsAt: { type: 'string' },
    endsAt: { type: 'string' },
    status: { type: 'string', enum: ['draft', 'active', 'closed'] },
    doneStatuses: { type: 'array', items: { type: 'string' } },
    targets: { type: 'integer' },
    done: { type: 'integer' },
  },
} as const;

/** Counts of targets: all, done, and by current status. */
const regionProgress = {
  type: 'object',
  required: ['code', 'name', 'targets', 'done', 'byStatus'],
  additionalProperties: true,
  properties: {
    code: { type: 'string' },
    name: { type: 'string' },
    targets: { type: 'integer' },
    done: { type: 'integer' },
    byStatus: { type: 'object', additionalProperties: { type: 'integer' } },
  },
} as const;

/** contract/events.ts CampaignProgress: the region's totals and one row per child region. */
const campaignProgress = {
  ...regionProgress,
  required: [...regionProgress.required, 'campaign', 'children'],
  properties: {
    ...regionProgress.properties,
    campaign: { ...campaign, additionalProperties: true },
    children: { type: 'array', items: regionProgress },
  },
} as const;

const adminErrors = errors(400, 401, 403, 404, 409);
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 100 } } } as const;

export async function campaignsRoutes(app: FastifyInstance, { campaigns }: { campaigns: CampaignsService }) {
  app.get(
    '/api/campaigns',
    {
      schema: {
        summary: 'Campaigns with their progress in your region (drafts only for administrators)',
        tags: ['campaigns'],
        security: BEARER,
        response: { 200: { type: 'array', items: campaign }, ...errors(401) },
      },
    },
    (req) => campaigns.list(req.user),
  );

  app.post<{ Body: CampaignCreate }>(
    '/api/campaigns',
    {
      schema: {
        summary: 'Create a draft campaign; its targets are the points of the layer that the filter chooses now',
        tags: ['campaigns'],
        security: BEARER,
        body: campaignCreate,
        response: { 201: campaign, ...adminErrors },
      },
      preHandler: async (req) => requireAdmin(req),
    },
    async (req, reply) => reply.status(201).send(await campaigns.create(req.user, req.body)),
  );

  app.post<{ Body: CampaignCreate }>(
    '/api/campaigns/preview',
    {
      schema: {
        summary: 'How many targets a campaign with this body would get now',
        tags: ['campaigns'],
        security: BEARER,
        body: campaignCreate,
        response: { 200: { type: 'object', required: ['targets'], properties: { targets: { type: 'integer' } } }, ...adminErrors },
      },
      preHandler: async (req) => requireAdmin(req),
    },
    (req) => campaigns.preview(req.user, req.body),
  );

  for (const move of ['open', 'close'] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/campaigns/:id/${move}`,
      {
        schema: {
          summary: move === 'open' ? 'Open a draft campaign (draft → active)' : 'Close an active campaign (active → closed)',
          tags: ['campaigns'],
          security: BEARER,
          params: idParams,
          response: { 200: campaign, ...adminErrors },
        },
        preHandler: async (req) => requireAdmin(req),
      },
      (req) => campaigns.move(req.user, req.params.id, move),
    );
  }

  app.get<{ Params: { id: string }; Querystring: { region?: string; at?: string } }>(
    '/api/campaigns/:id/progress',
    {
      schema: {
        summary: 'Target counts by status for a region and each of its child regions',
        tags: ['campaigns'],
        security: BEARER,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' }, at: { type: 'string', format: 'date-time' } },
        },
        response: { 200: campaignProgress, ...errors(400, 401, 403, 404) },
      },
    },
    (req) => campaigns.progress(req.user, req.params.id, req.query.region, req.query.at),
  );

  app.get<{ Params: { id: string }; Querystring: { region?: string } }>(
    '/api/campaigns/:id/targets',
    {
      schema: {
        summary: "Ids of a campaign's targets in a region",
        tags: ['campaigns'],
        security: BEARER,
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['layer', 'ids'],
            additionalProperties: true,
            properties: { layer: { type: 'string' }, ids: { type: 'array', items: { type: 'string' } } },
          },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    (req) => campaigns.targets(req.user, req.params.id, req.query.region),
  );
}
