import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { BEARER, errors } from './openapi.js';

const clientConfig = {
  type: 'object',
  required: ['basemapStyleUrl', 'version', 'tileThreshold'],
  properties: {
    basemapStyleUrl: { type: ['string', 'null'], description: 'BASEMAP_STYLE_URL, or null for the offline style' },
    version: { type: 'string' },
    tileThreshold: { type: 'integer', description: 'TILE_THRESHOLD: a layer with more features than this in the region loads as vector tiles' },
  },
} as const;

/** What the client needs to know of the server's configuration (never secrets). */
export async function configRoutes(app: FastifyInstance, { config, version }: { config: Config; version: string }) {
  app.get(
    '/api/config',
    {
      schema: {
        summary: 'Client settings: optional basemap style, server version, feature count above which layers load as vector tiles',
        tags: ['config'],
        security: BEARER,
        response: { 200: clientConfig, ...errors(401) },
      },
    },
    () => ({ basemapStyleUrl: config.basemapStyleUrl ?? null, version, tileThreshold: config.tileThreshold }),
  );
}
