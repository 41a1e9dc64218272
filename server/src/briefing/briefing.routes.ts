import type { FastifyInstance } from 'fastify';
import { BEARER, errors } from '../openapi.js';
import type { BriefingService } from './briefing.service.js';

/** The printable briefing (简报) of a region: HTTP only, the rules live in BriefingService. */
export async function briefingRoutes(app: FastifyInstance, { briefing }: { briefing: BriefingService }) {
  app.get<{ Params: { code: string } }>(
    '/api/regions/:code/briefing.pdf',
    {
      schema: {
        summary: "A region's briefing for a joint meeting: one or two A4 pages (PDF, zh-CN) with map, KPIs, campaigns, disputes, coverage and the ledger",
        tags: ['regions'],
        security: BEARER,
        params: { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^[0-9]{6,16}$' } } },
        response: {
          200: { description: 'the briefing', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } },
          ...errors(400, 401, 403, 404, 503),
        },
      },
    },
    async (req, reply) => {
      const pdf = await briefing.pdf(req.user, req.params.code);
      const date = new Date().toISOString().slice(0, 10);
      reply
        .type('application/pdf')
        // The figures are of this moment: never serve a stale briefing from a cache.
        .header('Cache-Control', 'no-store')
        .header('Content-Disposition', `attachment; filename="briefing-${req.params.code}-${date}.pdf"; filename*=UTF-8''${encodeURIComponent(`简报-${req.params.code}-${date}.pdf`)}`);
      return reply.send(pdf);
    },
  );
}
