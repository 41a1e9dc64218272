import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ROLES, type Role } from '../contract/auth.js';
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN, type UserCreate, type UserPatch } from '../contract/admin.js';
import { AppError } from '../errors.js';
import { BEARER, errors as errorResponses } from '../openapi.js';
import type { UsersService } from './users.service.js';

/** Administration is for the admin role; checked before anything else is read. */
export function requireAdmin(req: FastifyRequest): void {
  if (req.user.role !== 'admin') throw new AppError(403, 'forbidden', 'This needs an administrator');
}

const REGION_CODES = { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string', pattern: '^[0-9]{6,16}$' } } as const;
const PASSWORD = { type: 'string', maxLength: 256 } as const;

const adminUser = {
  type: 'object',
  required: ['username', 'role', 'regionCodes', 'regionNames', 'disabled', 'demo', 'createdAt'],
  properties: {
    username: { type: 'string' },
    role: { type: 'string', enum: [...ROLES] },
    regionCodes: { type: 'array', items: { type: 'string' } },
    regionNames: { type: 'array', items: { type: 'string' } },
    disabled: { type: 'boolean' },
    demo: { type: 'boolean' },
    createdAt: { type: 'string' },
  },
} as const;

const errors = errorResponses(400, 401, 403, 404, 409);
const usernameParams = { type: 'object', required: ['username'], properties: { username: { type: 'string', maxLength: 64 } } } as const;

/** /api/admin/users: HTTP only; the rules live in UsersService. */
export async function usersRoutes(app: FastifyInstance, { users }: { users: UsersService }) {
  app.get<{ Querystring: { q?: string; role?: Role; limit?: number } }>(
    '/api/admin/users',
    {
      schema: {
        summary: "Users in the administrator's region subtree (username, region code or region name contains q)",
        tags: ['admin'],
        security: BEARER,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 64 },
            role: { type: 'string', enum: [...ROLES] },
            limit: { type: 'integer', minimum: 1, maximum: 5000, default: 500 },
          },
        },
        response: { 200: { type: 'object', required: ['users', 'total'], properties: { users: { type: 'array', items: adminUser }, total: { type: 'integer' } } }, ...errors },
      },
      preHandler: async (req) => requireAdmin(req),
    },
    (req) => users.list(req.user, req.query),
  );

  app.post<{ Body: UserCreate }>(
    '/api/admin/users',
    {
      schema: {
        summary: 'Create a user: coordinators hold one or more grids, every other role one region',
        tags: ['admin'],
        security: BEARER,
        body: {
          type: 'object',
          required: ['username', 'password', 'role', 'regionCodes'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', pattern: USERNAME_PATTERN },
            password: { ...PASSWORD, minLength: MIN_PASSWORD_LENGTH },
            role: { type: 'string', enum: [...ROLES] },
            regionCodes: REGION_CODES,
          },
        },
        response: { 201: adminUser, ...errors },
      },
      preHandler: async (req) => requireAdmin(req),
    },
    async (req, reply) => reply.status(201).send(await users.create(req.user, req.body)),
  );

  app.patch<{ Params: { username: string }; Body: UserPatch }>(
    '/api/admin/users/:username',
    {
      schema: {
        summary: "Change a user's role or regions, disable or enable them, or reset their password (ends their sessions)",
        tags: ['admin'],
        security: BEARER,
        params: usernameParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            role: { type: 'string', enum: [...ROLES] },
            regionCodes: REGION_CODES,
            disabled: { type: 'boolean' },
            password: { ...PASSWORD, minLength: MIN_PASSWORD_LENGTH },
          },
        },
        response: { 200: adminUser, ...errors },
      },
      preHandler: async (req) => requireAdmin(req),
    },
    (req) => users.update(req.user, req.params.username, req.body),
  );
}
