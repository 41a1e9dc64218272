import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES, type SessionUser } from '../contract/auth.js';
import { AppError } from '../errors.js';
import { errors } from '../openapi.js';
import { currentSession, type AuthService } from './auth.service.js';
import type { AccountRow } from './auth.repository.js';

/**
 * What a token carries: the user at login, plus the issue time in milliseconds (jwt `iat` has whole seconds, too
 * coarse to tell a token issued just before a password reset from one issued just after it).
 */
export type TokenPayload = SessionUser & { issuedAtMs?: number; iat?: number };

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Tile requests only: how to check the account, which the tile's own statement reads (see withAccount);
     * `read` reads it on its own.
     */
    account?: { issuedAtMs: number; read(): Promise<SessionUser> };
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenPayload;
    user: SessionUser;
  }
}

/** When the token was issued, in ms (tokens signed before issuedAtMs existed fall back to `iat`). */
export const issuedAt = (p: TokenPayload): number => p.issuedAtMs ?? (p.iat ?? 0) * 1000;

/** Routes under /api that answer without a token. */
const PUBLIC = new Set(['/api/health', '/api/auth/login']);

/**
 * GIS endpoints read by map libraries and desktop GIS (MapLibre tile requests, GDAL, QGIS), which cannot always
 * send a header: there the token may also come as a `token` query parameter.
 */
const GIS_PREFIXES = ['/tiles/', '/ogc'];
const isGis = (url: string) => GIS_PREFIXES.some((p) => url === p || url.startsWith(p.endsWith('/') ? p : `${p}/`));
/** The busiest route by far: a map view asks for dozens of tiles at once. */
const isTile = (url: string) => url.startsWith('/tiles/') && url.endsWith('.mvt');

export async function authRoutes(app: FastifyInstance, { auth }: { auth: AuthService }) {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        summary: 'Log in; failed attempts are limited per username and per address',
        tags: ['auth'],
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password: { type: 'string', minLength: 1, maxLength: 256 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['token', 'user'],
            additionalProperties: true,
            properties: {
              token: { type: 'string', description: 'bearer token: 12 h, a year for display accounts' },
              user: {
                type: 'object',
                required: ['username', 'role', 'regionCode', 'regionCodes'],
                additionalProperties: true,
                properties: {
                  username: { type: 'string' },
                  role: { type: 'string', enum: [...ROLES] },
                  regionCode: { type: 'string' },
                  regionCodes: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
          ...errors(400, 401, 429),
        },
      },
    },
    (req) => auth.login(req.body.username, req.body.password, req.ip),
  );
}

/**
 * Every /api route but health and login needs a valid bearer token (API.md). The user is then re-read from the
 * database, so `req.user` is their current role and regions, and a disabled account or a token from before a
 * password reset is refused at its next request, not when the token expires.
 */
export function requireToken(app: FastifyInstance, auth: AuthService) {
  app.addHook('onRequest', async (req) => {
    const url = req.url.split('?')[0];
    let payload: TokenPayload;
    if (url.startsWith('/api/') && !PUBLIC.has(url)) {
      payload = (await req.jwtVerify()) as unknown as TokenPayload;
    } else if (isGis(url)) {
      const token = (req.query as { token?: unknown }).token;
      if (req.headers.authorization || typeof token !== 'string') payload = (await req.jwtVerify()) as unknown as TokenPayload;
      else payload = verifyQueryToken(app, token);
    } else {
      return;
    }
    const issuedAtMs = issuedAt(payload);
    if (isTile(url)) {
      req.account = { issuedAtMs, read: () => auth.session(payload.username, issuedAtMs) };
      req.user = { username: payload.username, role: payload.role, regionCode: payload.regionCode, regionCodes: payload.regionCodes };
      return;
    }
    req.user = await auth.session(payload.username, issuedAtMs);
  });
}

const sameScope = (a: SessionUser, b: SessionUser) => a.role === b.role && a.regionCodes?.join() === b.regionCodes?.join();

/**
 * Runs `work` as the token's user; `work` reads the account in its own statement (accountSql) and returns it
 * with its result, so a tile costs one round trip, not two. The account is checked as requireToken checks it — a
 * refused account throws before anything `work` found out is answered — and when the role or regions changed since
 * the token was issued, `work` runs again as the current user. When `work` fails first (a region outside the
 * token's scope), the account is read on its own: a disabled account still gets its 401, a widened one its answer.
 */
export async function withAccount<T>(
  req: FastifyRequest,
  work: (user: SessionUser) => Promise<{ result: T; account: AccountRow | null }>,
): Promise<T> {
  if (!req.account) return (await work(req.user)).result;
  let first: { result: T; account: AccountRow | null } | undefined;
  let current: SessionUser;
  try {
    first = await work(req.user);
  } catch (err) {
    current = await req.account.read();
    if (sameScope(current, req.user)) throw err;
  }
  if (first) {
    current = currentSession(first.account, req.account.issuedAtMs);
    if (sameScope(current, req.user)) return first.result;
  }
  req.user = current!;
  return (await work(current!)).result;
}

function verifyQueryToken(app: FastifyInstance, token: string): TokenPayload {
  try {
    return app.jwt.verify<TokenPayload>(token);
  } catch {
    throw new AppError(401, 'unauthorized', 'The token parameter is not a valid or current token');
  }
}
