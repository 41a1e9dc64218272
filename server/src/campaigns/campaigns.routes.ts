import type { FastifyInstance } from 'fastify';
import type { CampaignsService } from './campaigns.service.js';

export async function campaignsRoutes(app: FastifyInstance, { campaigns }: { campaigns: CampaignsService }) {
  app.get('/api/campaigns', { schema: { summary: 'Campaigns with their progress in your region' } }, (req) => campaigns.list(req.user));

  app.get<{ Params: { id: string }; Querystring: { region?: string; at?: string } }>(
    '/api/campaigns/:id/progress',
    {
      schema: {
        summary: 'Target counts by status for a region and each of its child regions',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' }, at: { type: 'string', format: 'date-time' } },
        },
      },
    },
    (req) => campaigns.progress(req.user, req.params.id, req.query.region, req.query.at),
  );

  app.get<{ Params: { id: string }; Querystring: { region?: string } }>(
    '/api/campaigns/:id/targets',
    {
      schema: {
        summary: "Ids of a campaign's targets in a region",
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' } },
        },
      },
    },
    (req) => campaigns.targets(req.user, req.params.id, req.query.region),
  );
}
