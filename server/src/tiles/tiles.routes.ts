import type { FastifyInstance } from 'fastify';
import { LAYERS } from '../contract/layers.js';
import { TILE_CONTENT_TYPE, TILE_MAX_ZOOM, TILE_MIN_ZOOM, TILE_REGION_LEVELS } from '../contract/tiles.js';
import { withAccount } from '../auth/auth.routes.js';
import { BEARER_OR_QUERY_TOKEN, errors as errorResponses } from '../openapi.js';
import type { TileOptions, TilesService } from './tiles.service.js';

type Query = TileOptions & { token?: string };

const errors = errorResponses(400, 401, 403, 404);

const LAYER = { type: 'string', maxLength: 50, description: `${LAYERS.join(', ')} or regions` } as const;

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    region: { type: 'string', pattern: '^[0-9]{6,16}$', description: 'region subtree (default: all of your own)' },
    status: { type: 'string', maxLength: 500, description: 'comma list of statuses (point layers)' },
    at: { type: 'string', format: 'date-time', description: 'replay: statuses as they stood at this time' },
    level: { type: 'string', enum: [...TILE_REGION_LEVELS], description: 'regions: the level shown (default by zoom)' },
    token: { type: 'string', maxLength: 4096, description: 'bearer token, for clients that cannot send a header (MapLibre, QGIS, GDAL)' },
  },
} as const;

// Tile responses answer `private, no-cache`: a browser keeps the tile but revalidates it (ETag → 304) every time,
// so a committed change shows in the next request and no shared cache stores one user's scope.
const CACHE_CONTROL = 'private, no-cache';

/** Vector tiles and their TileJSON: HTTP only, the rules live in TilesService. */
export async function tilesRoutes(app: FastifyInstance, { tiles }: { tiles: TilesService }) {
  app.get<{ Params: { layer: string; z: number; x: number; y: number }; Querystring: Query; Headers: { 'if-none-match'?: string } }>(
    '/tiles/:layer/:z/:x/:y.mvt',
    {
      schema: {
        tags: ['tiles'],
        security: BEARER_OR_QUERY_TOKEN,
        summary: 'Mapbox Vector Tile of a point layer or of the regions (one MVT layer named after it)',
        description:
          'Point layers carry the properties of GET /api/layers (arrays as JSON text); regions carry code, name, level, ' +
          'parentCode and the choropleth figures. An empty tile is a 200 with zero bytes. ETag + If-None-Match → 304.',
        params: {
          type: 'object',
          required: ['layer', 'z', 'x', 'y'],
          properties: {
            layer: LAYER,
            z: { type: 'integer', minimum: TILE_MIN_ZOOM, maximum: TILE_MAX_ZOOM },
            x: { type: 'integer', minimum: 0, description: '0 … 2^z − 1' },
            y: { type: 'integer', minimum: 0, description: '0 … 2^z − 1 (XYZ, north first)' },
          },
        },
        querystring,
        response: {
          200: {
            description: 'the tile (zero bytes when no feature falls in it)',
            content: { [TILE_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } } },
          },
          304: { description: 'not modified: If-None-Match names the current ETag' },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { z, x, y, layer } = req.params;
      const answer = await withAccount(req, async (user) => tiles.tile(await tiles.request(user, layer, z, x, y, req.query), user.username, req.headers['if-none-match']));
      reply.header('etag', answer.etag).header('cache-control', CACHE_CONTROL);
      if (answer.notModified) return reply.code(304).send();
      return reply.type(TILE_CONTENT_TYPE).send(answer.body);
    },
  );

  app.get<{ Params: { layer: string }; Querystring: Query }>(
    '/tiles/:layer.json',
    {
      schema: {
        tags: ['tiles'],
        security: BEARER_OR_QUERY_TOKEN,
        summary: 'TileJSON 3.0.0 of a tile layer; its tile URL carries the same query parameters (token included)',
        params: { type: 'object', required: ['layer'], properties: { layer: LAYER } },
        querystring,
        response: {
          200: {
            type: 'object',
            additionalProperties: true,
            required: ['tilejson', 'tiles', 'vector_layers'],
            properties: {
              tilejson: { type: 'string' },
              name: { type: 'string' },
              description: { type: 'string' },
              scheme: { type: 'string' },
              tiles: { type: 'array', items: { type: 'string' } },
              minzoom: { type: 'integer' },
              maxzoom: { type: 'integer' },
              bounds: { type: 'array', items: { type: 'number' } },
              center: { type: 'array', items: { type: 'number' } },
              vector_layers: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: true,
                  properties: {
                    id: { type: 'string' },
                    description: { type: 'string' },
                    minzoom: { type: 'integer' },
                    maxzoom: { type: 'integer' },
                    fields: { type: 'object', additionalProperties: { type: 'string' } },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const query = new URLSearchParams(Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
      const url = `${req.protocol}://${req.host}/tiles/${encodeURIComponent(req.params.layer)}/{z}/{x}/{y}.mvt${query ? `?${query}` : ''}`;
      reply.header('cache-control', CACHE_CONTROL);
      return tiles.tileJson(req.user, req.params.layer, req.query, url);
    },
  );
}
