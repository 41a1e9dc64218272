import type { FastifyInstance } from 'fastify';
import type { SessionUser } from '../contract/auth.js';
import type { AuthService } from './auth.service.js';

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: SessionUser;
    user: SessionUser;
  }
}

/** Routes under /api that answer without a token. */
const PUBLIC = new Set(['/api/health', '/api/auth/login']);

export async function authRoutes(app: FastifyInstance, { auth }: { auth: AuthService }) {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        summary: 'Log in; failed attempts are limited per username and per address',
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    (req) => auth.login(req.body.username, req.body.password, req.ip),
  );
}

/** Every /api route but health and login needs a valid bearer token (API.md). */
export function requireToken(app: FastifyInstance) {
  app.addHook('onRequest', async (req) => {
    const url = req.url.split('?')[0];
    if (!url.startsWith('/api/') || PUBLIC.has(url)) return;
    await req.jwtVerify();
  });
}
