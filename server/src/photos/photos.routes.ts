import type { FastifyInstance } from 'fastify';
import { PHOTO_MAX_BYTES, PHOTO_TYPES } from '../contract/photos.js';
import { AppError } from '../errors.js';
import { BEARER, errors } from '../openapi.js';
import type { PhotosService } from './photos.service.js';

const layerParams = {
  type: 'object',
  required: ['layer', 'id'],
  properties: { layer: { type: 'string' }, id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const photoRef = {
  type: 'object',
  required: ['id', 'url', 'contentType', 'size', 'layer', 'featureId', 'uploadedBy', 'uploadedAt'],
  properties: {
    id: { type: 'string', description: 'sha256 of the bytes (hex)' },
    url: { type: 'string' },
    contentType: { type: 'string', enum: [...PHOTO_TYPES] },
    size: { type: 'integer' },
    layer: { type: 'string' },
    featureId: { type: 'string' },
    uploadedBy: { type: 'string' },
    uploadedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** Media type of a Content-Type header, without parameters. */
const mediaType = (header: string | undefined) => (header ?? '').split(';')[0].trim().toLowerCase();

export async function photosRoutes(app: FastifyInstance, { photos }: { photos: PhotosService }) {
  // Raw image bodies, in this plugin's scope only; anything larger than PHOTO_MAX_BYTES is a 413 before it is read.
  app.addContentTypeParser([...PHOTO_TYPES], { parseAs: 'buffer', bodyLimit: PHOTO_MAX_BYTES }, (_req, body, done) => done(null, body));

  app.post<{ Params: { layer: string; id: string } }>(
    '/api/layers/:layer/:id/photos',
    {
      bodyLimit: PHOTO_MAX_BYTES,
      schema: {
        summary: `Attach a photo to a point: the raw bytes as ${PHOTO_TYPES.join(', ')} (at most ${PHOTO_MAX_BYTES / 1024 / 1024} MB). Same rules as a PATCH of the point; the type is checked from the bytes. The same photo again returns the same PhotoRef (200) and stores nothing`,
        tags: ['photos'],
        security: BEARER,
        params: layerParams,
        response: { 200: photoRef, 201: photoRef, ...errors(400, 401, 403, 404, 413, 415) },
      },
    },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) {
        throw new AppError(415, 'unsupported_media_type', `Send the image bytes as ${PHOTO_TYPES.join(', ')}`);
      }
      const { created, photo } = await photos.upload(req.user, req.params.layer, req.params.id, req.body, mediaType(req.headers['content-type']));
      return reply.status(created ? 201 : 200).send(photo);
    },
  );

  app.get<{ Params: { layer: string; id: string } }>(
    '/api/layers/:layer/:id/photos',
    {
      schema: {
        summary: 'The photos of a point, oldest first',
        tags: ['photos'],
        security: BEARER,
        params: layerParams,
        response: { 200: { type: 'array', items: photoRef }, ...errors(400, 401, 403, 404) },
      },
    },
    (req) => photos.list(req.user, req.params.layer, req.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/api/photos/:id',
    {
      schema: {
        summary: 'The image bytes, to users who may read a point the photo is attached to (404 to everyone else)',
        tags: ['photos'],
        security: BEARER,
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        response: {
          200: {
            description: 'the image bytes',
            content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
          },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const photo = await photos.open(req.user, req.params.id);
      // private: a shared proxy must not hand one coordinator's photo to another; the id never changes its bytes.
      return reply
        .type(photo.contentType)
        .header('Content-Length', photo.size)
        .header('Cache-Control', 'private, max-age=86400')
        .header('ETag', `"${req.params.id}"`)
        .send(photo.stream);
    },
  );
}
