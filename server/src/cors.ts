import type { FastifyInstance } from 'fastify';

const ALLOW_METHODS = 'GET, HEAD, POST, PATCH, PUT, DELETE';
const ALLOW_HEADERS = 'authorization, content-type, idempotency-key';

/**
 * Cross-origin access is closed by default: no Access-Control-* header is ever sent, so a page on another origin
 * cannot read any answer (the client is served from this same origin). CORS_ORIGINS opens it to exactly the listed
 * origins (e.g. a portal that embeds the API); a preflight from one of them is answered 204 here.
 */
export function corsHook(app: FastifyInstance, origins: readonly string[]) {
  if (!origins.length) return;
  const allowed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin)) return;
    reply.header('Access-Control-Allow-Origin', origin).header('Vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      return reply
        .header('Access-Control-Allow-Methods', ALLOW_METHODS)
        .header('Access-Control-Allow-Headers', ALLOW_HEADERS)
        .header('Access-Control-Max-Age', '600')
        .status(204)
        .send();
    }
  });
}
