import type { FastifyInstance } from 'fastify';
import type { Db } from './db/db.js';
import { dbUnavailable } from './errors.js';
import { errors } from './openapi.js';

const HEALTH_TIMEOUT_MS = 2000;

const health = {
  type: 'object',
  required: ['status', 'db', 'version'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    db: { type: 'string', enum: ['embedded', 'postgres'] },
    version: { type: 'string' },
  },
} as const;

export async function healthRoutes(app: FastifyInstance, { db, version }: { db: Db; version: string }) {
  app.get(
    '/api/health',
    { schema: { summary: 'Liveness and database reachability', tags: ['health'], response: { 200: health, ...errors(503) } } },
    async () => {
      const ok = await Promise.race([
        db.query('SELECT 1').then(() => true, () => false),
        new Promise<boolean>((resolve) => setTimeout(resolve, HEALTH_TIMEOUT_MS, false).unref()),
      ]);
      if (!ok) throw dbUnavailable();
      return { status: 'ok', db: db.kind, version };
    },
  );
}
