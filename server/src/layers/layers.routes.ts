import type { FastifyInstance } from 'fastify';
import type { StatusPatch } from '../contract/events.js';
import { CREATABLE_LAYERS, LAYERS, WISH_CATEGORIES, type WishCreate } from '../contract/layers.js';
import { parseStatuses } from './layers.model.js';
import { badRequest } from '../errors.js';
import { BEARER, errors, geoJson } from '../openapi.js';
import type { LayersService } from './layers.service.js';

const REGION = { type: 'string', pattern: '^[0-9]{6,16}$' } as const;
const layerParams = {
  type: 'object',
  required: ['layer'],
  properties: { layer: { type: 'string' }, id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const patchResult = {
  type: 'object',
  required: ['feature', 'seq'],
  additionalProperties: true,
  properties: { feature: { $ref: 'Feature#' }, seq: { type: 'integer', description: 'seq of the change event' } },
} as const;

/** `minLon,minLat,maxLon,maxLat` in WGS84, or a 400 that says what is wrong. */
export function parseBbox(text: string): [number, number, number, number] {
  const parts = text.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
  if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n))) throw badRequest('bbox must be four numbers: minLon,minLat,maxLon,maxLat');
  const [minLon, minLat, maxLon, maxLat] = parts;
  if (minLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90) throw badRequest('bbox is out of range: longitudes −180…180, latitudes −90…90');
  if (minLon > maxLon || minLat > maxLat) throw badRequest('bbox minimum must not exceed its maximum');
  return [minLon, minLat, maxLon, maxLat];
}

export async function layersRoutes(app: FastifyInstance, { layers }: { layers: LayersService }) {
  app.get<{ Params: { layer: string }; Querystring: { region?: string; bbox?: string; status?: string; at?: string } }>(
    '/api/layers/:layer',
    {
      schema: {
        summary: `Features of a layer (${LAYERS.join(', ')}) in a region subtree, as GeoJSON`,
        tags: ['layers'],
        security: BEARER,
        params: layerParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            region: REGION,
            bbox: { type: 'string', maxLength: 200 },
            status: { type: 'string', maxLength: 500 },
            at: { type: 'string', format: 'date-time', description: 'replay: statuses as they stood at this time' },
          },
        },
        response: { 200: geoJson('FeatureCollection#', 'the features; properties as in GET /api/layers/{layer}/{id} without nextStatuses'), ...errors(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const layer = layers.requireLayer(req.params.layer);
      const statuses = req.query.status === undefined ? undefined : parseStatuses(layer, req.query.status);
      const json = await layers.listJson(req.user, layer, {
        regionCode: req.query.region ?? req.user.regionCode,
        bbox: req.query.bbox === undefined ? undefined : parseBbox(req.query.bbox),
        statuses,
        at: req.query.at,
      });
      return reply.type('application/geo+json; charset=utf-8').send(json);
    },
  );

  app.get<{ Params: { layer: string; id: string } }>(
    '/api/layers/:layer/:id',
    {
      schema: {
        summary: 'One feature, with the statuses the requesting user may move it to',
        tags: ['layers'],
        security: BEARER,
        params: layerParams,
        response: { 200: { $ref: 'Feature#' }, ...errors(400, 401, 403, 404) },
      },
    },
    (req) => layers.get(req.user, req.params.layer, req.params.id),
  );

  app.get<{ Params: { layer: string; id: string } }>(
    '/api/layers/:layer/:id/history',
    {
      schema: {
        summary: 'Events of one feature, oldest first',
        tags: ['layers'],
        security: BEARER,
        params: layerParams,
        response: {
          200: { type: 'object', required: ['events'], additionalProperties: true, properties: { events: { type: 'array', items: { $ref: 'ChangeEvent#' } } } },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    (req) => layers.history(req.user, req.params.layer, req.params.id),
  );

  app.patch<{ Params: { layer: string; id: string }; Body: StatusPatch; Headers: { 'idempotency-key'?: string } }>(
    '/api/layers/:layer/:id',
    {
      schema: {
        summary: 'Change a status (optimistic concurrency by version; Idempotency-Key makes retries safe)',
        description:
          'Checked in this order: 401 → 400 malformed → 404 → 403 outside your region → 409 stale version (the body carries `current`, the feature as it is) → 400 invalid_transition (details: the statuses it may move to).',
        tags: ['layers'],
        security: BEARER,
        params: layerParams,
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } } },
        body: {
          type: 'object',
          required: ['status', 'version'],
          additionalProperties: false,
          properties: {
            status: { type: 'string', minLength: 1, maxLength: 40 },
            note: { type: 'string', maxLength: 1000 },
            version: { type: 'integer', minimum: 1 },
            photos: {
              type: 'array',
              description: 'ids of photos already uploaded for this point (POST …/photos); recorded in the event',
              maxItems: 10,
              uniqueItems: true,
              items: { type: 'string', pattern: '^[0-9a-f]{64}$' },
            },
            claimedBy: {
              type: 'string',
              minLength: 1,
              maxLength: 100,
              description: 'micro-wishes moving to "claimed" only, and required then: the claiming member unit (GET …/claimants)',
            },
          },
        },
        response: { 200: patchResult, ...errors(400, 401, 403, 404, 409) },
      },
    },
    (req) => layers.patchStatus(req.user, req.params.layer, req.params.id, req.body, req.headers['idempotency-key']),
  );

  app.post<{ Params: { layer: string }; Body: WishCreate; Headers: { 'idempotency-key'?: string } }>(
    '/api/layers/:layer',
    {
      schema: {
        summary: `Create a point (layers: ${CREATABLE_LAYERS.join(', ')}; it starts open) at a location inside your area`,
        description:
          'Checked in this order: 401 → 400 malformed → 404 unknown layer → 405 a layer whose points come only from imports → 400 outside_district → 403 outside your area (spatially) or a display account. The answer is the new feature and the seq of its `create` event.',
        tags: ['layers'],
        security: BEARER,
        params: { type: 'object', required: ['layer'], properties: { layer: { type: 'string' } } },
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } } },
        body: {
          type: 'object',
          required: ['name', 'requester', 'category', 'lon', 'lat'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100, description: 'the wish in a few words (its title)' },
            requester: { type: 'string', minLength: 1, maxLength: 40, description: 'a short label of who asked (e.g. "3号楼 王阿姨"), no personal data' },
            category: { type: 'string', enum: [...WISH_CATEGORIES] },
            lon: { type: 'number', minimum: -180, maximum: 180 },
            lat: { type: 'number', minimum: -90, maximum: 90 },
            note: { type: 'string', maxLength: 1000 },
          },
        },
        response: { 201: patchResult, ...errors(400, 401, 403, 404, 405) },
      },
    },
    async (req, reply) => reply.status(201).send(await layers.create(req.user, req.params.layer, req.body, req.headers['idempotency-key'])),
  );

  app.get<{ Params: { layer: string; id: string } }>(
    '/api/layers/:layer/:id/claimants',
    {
      schema: {
        summary: 'Member units that may claim a micro-wish: the active units of its street’s regional committees',
        tags: ['layers'],
        security: BEARER,
        params: layerParams,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              required: ['id', 'name', 'kind', 'committee', 'regionCode'],
              additionalProperties: true,
              properties: { id: { type: 'string' }, name: { type: 'string' }, kind: { type: 'string' }, committee: { type: 'string' }, regionCode: { type: 'string' } },
            },
          },
          ...errors(400, 401, 404),
        },
      },
    },
    (req) => layers.claimants(req.user, req.params.layer, req.params.id),
  );
}
