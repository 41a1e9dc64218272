import type { FastifyInstance } from 'fastify';
import type { ExportFormat, ExportService } from './export.service.js';

export async function exportRoutes(app: FastifyInstance, { exporter }: { exporter: ExportService }) {
  app.get<{ Params: { layer: string }; Querystring: { region?: string; format: ExportFormat } }>(
    '/api/export/:layer',
    {
      schema: {
        summary: "Download a layer's features in a region as CSV (UTF-8 with BOM, Chinese headers) or XLSX",
        params: { type: 'object', properties: { layer: { type: 'string' } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' }, format: { type: 'string', enum: ['csv', 'xlsx'] } },
        },
      },
    },
    async (req, reply) => {
      const file = await exporter.export(req.user, req.params.layer, req.query.region ?? req.user.regionCode, req.query.format);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
        .send(file.body);
    },
  );
}
