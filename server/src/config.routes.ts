import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { BEARER, errors } from './openapi.js';

const clientConfig = {
  type: 'object',
  required: ['basemapStyleUrl', 'version'],
  properties: {
    basemapStyleUrl: { type: ['string', 'null'], description: 'BASEMAP_STYLE_URL, or null for the offline style' },
    version: { type: 'string' },
  },
} as const;

/** What the client needs to know of the server's configuration (never secrets). */
export async function configRoutes(app: FastifyInstance, { config, version }: { config: Config; version: string }) {
  app.get(
    '/api/config',
    {
      schema: {
        summary: 'Client settings: optional basemap style, server version',
        tags: ['config'],
        security: BEARER,
        response: { 200: clientConfig, ...errors(401) },
      },
    },
    () => ({ basemapStyleUrl: config.basemapStyleUrl ?? null, version }),
  );
}
