import type { FastifyInstance } from 'fastify';
import { BEARER, errors } from '../openapi.js';
import type { ExportFormat, ExportService } from './export.service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export async function exportRoutes(app: FastifyInstance, { exporter }: { exporter: ExportService }) {
  app.get<{ Params: { layer: string }; Querystring: { region?: string; format: ExportFormat } }>(
    '/api/export/:layer',
    {
      schema: {
        summary: "Download a layer's features in a region as CSV (UTF-8 with BOM, Chinese headers) or XLSX",
        tags: ['export'],
        security: BEARER,
        params: { type: 'object', properties: { layer: { type: 'string' } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: { region: { type: 'string', pattern: '^[0-9]{6,16}$' }, format: { type: 'string', enum: ['csv', 'xlsx'] } },
        },
        response: {
          200: {
            description: 'the file, as an attachment',
            content: { 'text/csv': { schema: { type: 'string' } }, [XLSX]: { schema: { type: 'string', format: 'binary' } } },
          },
          ...errors(400, 401, 403, 404),
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
