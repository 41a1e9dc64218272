import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';

/** What the client needs to know of the server's configuration (never secrets). */
export async function configRoutes(app: FastifyInstance, { config, version }: { config: Config; version: string }) {
  app.get('/api/config', { schema: { summary: 'Client settings: optional basemap style, server version, feature count above which layers load as vector tiles' } }, () => ({
    basemapStyleUrl: config.basemapStyleUrl ?? null,
    version,
    tileThreshold: config.tileThreshold,
  }));
}
