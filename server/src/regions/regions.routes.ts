import type { FastifyInstance } from 'fastify';
import { assertCanRead } from '../auth/auth.service.js';
import type { RegionsService } from './regions.service.js';

const codeParams = {
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string', pattern: '^[0-9]{6,16}$' } },
} as const;

/** Regions and their roll-ups: HTTP only, the rules live in RegionsService. */
export async function regionsRoutes(app: FastifyInstance, { regions }: { regions: RegionsService }) {
  app.get<{ Querystring: { region?: string; at?: string } }>(
    '/api/stats',
    {
      schema: {
        summary: 'Roll-up figures of a region subtree (default the district)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            region: { type: 'string', pattern: '^[0-9]{6,16}$' },
            at: { type: 'string', format: 'date-time', description: 'replay: figures as they stood at this time' },
          },
        },
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
    { schema: { summary: 'A region with its ancestry, children and KPIs', params: codeParams } },
    (req) => {
      assertCanRead(req.user, req.params.code);
      return regions.detail(req.params.code);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/api/regions/:code/children.geojson',
    { schema: { summary: 'Child regions as GeoJSON with their KPIs (choropleth)', params: codeParams } },
    async (req, reply) => {
      assertCanRead(req.user, req.params.code);
      reply.type('application/geo+json; charset=utf-8');
      return regions.childrenGeoJson(req.params.code);
    },
  );
}
