import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BEARER_OR_QUERY_TOKEN, errors as errorResponses } from '../openapi.js';
import { collectionHtml, collectionsHtml, conformanceHtml, itemHtml, itemsHtml, landingHtml } from './ogc.html.js';
import { DEFAULT_LIMIT, MAX_LIMIT, type Linker, type OgcService } from './ogc.service.js';

// Schemas document the answers for the OpenAPI definition (the conformance class oas30). Every answer is sent
// as text, so Fastify's serializer never drops a property the schema does not list.
const link = {
  type: 'object',
  required: ['href', 'rel'],
  additionalProperties: true,
  properties: { href: { type: 'string' }, rel: { type: 'string' }, type: { type: 'string' }, title: { type: 'string' } },
} as const;
const links = { type: 'array', items: link } as const;
const htmlPage = { type: 'string', description: 'the same resource as a zh-CN HTML page (f=html, or a browser asking for text/html)' } as const;
const answer = (media: string, schema: object) => ({ description: 'OK', content: { [media]: { schema }, 'text/html': { schema: htmlPage } } });
const errors = errorResponses(400, 401);
/** Routes naming a collection or a feature may also answer 404. */
const errorsWith404 = errorResponses(400, 401, 404);

const collection = {
  type: 'object',
  required: ['id', 'links'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    links,
    extent: { type: 'object', additionalProperties: true },
    itemType: { type: 'string' },
    crs: { type: 'array', items: { type: 'string' } },
  },
} as const;
const featureCollection = {
  type: 'object',
  required: ['type', 'features'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', enum: ['FeatureCollection'] },
    features: { type: 'array', items: { type: 'object', additionalProperties: true } },
    links,
    numberMatched: { type: 'integer', minimum: 0 },
    numberReturned: { type: 'integer', minimum: 0 },
    timeStamp: { type: 'string', format: 'date-time' },
  },
} as const;
const feature = { type: 'object', required: ['type', 'geometry', 'properties'], additionalProperties: true, properties: { type: { type: 'string' }, links } } as const;

const common = {
  f: { type: 'string', enum: ['json', 'html'], description: 'format; without it, the Accept header decides (JSON unless text/html is preferred)' },
  token: { type: 'string', description: 'bearer token, for GIS clients that cannot send an Authorization header; kept in every link' },
} as const;
// Unknown parameters answer 400 (OGC 17-069r4 /req/core/query-param-unknown): a misspelt filter must not look like
// a filter that matched everything.
const query = (extra: object = {}) => ({ type: 'object', additionalProperties: false, properties: { ...common, ...extra } });
const collectionParams = { type: 'object', required: ['collectionId'], properties: { collectionId: { type: 'string', maxLength: 100 } } } as const;
const itemParams = {
  type: 'object',
  required: ['collectionId', 'featureId'],
  properties: { collectionId: { type: 'string', maxLength: 100 }, featureId: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

const TAGS = ['ogc'];
const security = BEARER_OR_QUERY_TOKEN;

type Format = { f?: 'json' | 'html' };
type ItemsQs = Format & { bbox?: string; datetime?: string; limit?: number; offset?: number };

/** Links from the address the client used (behind a proxy: trustProxy and X-Forwarded-*), keeping its token. */
function linker(req: FastifyRequest): Linker {
  const origin = `${req.protocol}://${req.host}`;
  const url = new URL(req.url, origin);
  const token = url.searchParams.get('token');
  const href = (path: string, q: URLSearchParams) => `${origin}${path}${q.size ? `?${q}` : ''}`;
  return {
    to: (path, params = {}) => href(path, new URLSearchParams({ ...params, ...(token ? { token } : {}) })),
    self: (params = {}) => {
      const q = new URLSearchParams(url.searchParams);
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined) q.delete(k);
        else q.set(k, v);
      }
      return href(url.pathname, q);
    },
  };
}

/** The quality the Accept header gives a media type (the most specific range that matches it wins). */
function quality(accept: string, media: string): number {
  const [major] = media.split('/');
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === media ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    best = { specificity, q: q ? Number(q.slice(2)) || 0 : 1 };
  }
  return best.q;
}

/** HTML only when asked for by `f=html`, or by a browser that prefers text/html over JSON. */
function wantsHtml(req: FastifyRequest<{ Querystring: Format }>): boolean {
  if (req.query.f) return req.query.f === 'html';
  const accept = req.headers.accept;
  if (!accept) return false;
  return quality(accept, 'text/html') > Math.max(quality(accept, 'application/json'), quality(accept, 'application/geo+json'));
}

function send(reply: FastifyReply, media: string, body: string) {
  return reply.header('vary', 'Accept').type(`${media}; charset=utf-8`).send(body);
}

/** OGC API – Features Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) under /ogc; the hook in auth.routes.ts logs in. */
export async function ogcRoutes(app: FastifyInstance, { ogc }: { ogc: OgcService }) {
  app.get<{ Querystring: Format }>(
    '/ogc',
    { schema: { summary: 'OGC API – Features landing page', tags: TAGS, security, querystring: query(), response: { 200: answer('application/json', { type: 'object', additionalProperties: true, properties: { links } }), ...errors } } },
    async (req, reply) => {
      const l = linker(req);
      const doc = ogc.landing(l);
      return wantsHtml(req) ? send(reply, 'text/html', landingHtml(doc, l)) : send(reply, 'application/json', JSON.stringify(doc));
    },
  );

  app.get<{ Querystring: Format }>(
    '/ogc/conformance',
    {
      schema: {
        summary: 'OGC API – Features conformance classes',
        tags: TAGS,
        security,
        querystring: query(),
        response: { 200: answer('application/json', { type: 'object', required: ['conformsTo'], properties: { conformsTo: { type: 'array', items: { type: 'string' } } } }), ...errors },
      },
    },
    async (req, reply) => {
      const doc = ogc.conformance();
      return wantsHtml(req) ? send(reply, 'text/html', conformanceHtml(doc, linker(req))) : send(reply, 'application/json', JSON.stringify(doc));
    },
  );

  app.get<{ Querystring: Format }>(
    '/ogc/collections',
    {
      schema: {
        summary: 'Feature collections: one per point layer and one per region level, with the extents you may read',
        tags: TAGS,
        security,
        querystring: query(),
        response: { 200: answer('application/json', { type: 'object', required: ['links', 'collections'], properties: { links, collections: { type: 'array', items: collection } } }), ...errors },
      },
    },
    async (req, reply) => {
      const l = linker(req);
      const doc = await ogc.collections(req.user, l);
      return wantsHtml(req) ? send(reply, 'text/html', collectionsHtml(doc, l)) : send(reply, 'application/json', JSON.stringify(doc));
    },
  );

  app.get<{ Params: { collectionId: string }; Querystring: Format }>(
    '/ogc/collections/:collectionId',
    {
      schema: {
        summary: 'One feature collection',
        tags: TAGS,
        security,
        params: collectionParams,
        querystring: query(),
        response: { 200: answer('application/json', collection), ...errorsWith404 },
      },
    },
    async (req, reply) => {
      const l = linker(req);
      const doc = await ogc.collection(req.user, req.params.collectionId, l);
      return wantsHtml(req) ? send(reply, 'text/html', collectionHtml(doc, l)) : send(reply, 'application/json', JSON.stringify(doc));
    },
  );

  app.get<{ Params: { collectionId: string }; Querystring: ItemsQs }>(
    '/ogc/collections/:collectionId/items',
    {
      schema: {
        summary: 'Features of a collection in your area, in pages (next/prev links keep every parameter)',
        tags: TAGS,
        security,
        params: collectionParams,
        querystring: query({
          bbox: { type: 'string', maxLength: 300, description: 'minLon,minLat,maxLon,maxLat in CRS84 (six numbers with heights are accepted; heights are ignored)' },
          datetime: { type: 'string', maxLength: 100, description: 'RFC 3339 instant, or start/end with ".." for an open end' },
          limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT, description: `page size; a larger value is clamped to ${MAX_LIMIT}` },
          offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0, description: 'features to skip (the next link sets it)' },
        }),
        response: { 200: answer('application/geo+json', featureCollection), ...errorsWith404 },
      },
      // OGC 17-069r4 §7.15.3: a limit above the maximum is served at the maximum, not refused. Clamped before
      // validation so the schema can still state the maximum for clients that read it.
      preValidation: async (req) => {
        const q = req.query as { limit?: unknown };
        if (typeof q.limit === 'string' && /^\d+$/.test(q.limit) && Number(q.limit) > MAX_LIMIT) q.limit = String(MAX_LIMIT);
      },
    },
    async (req, reply) => {
      const l = linker(req);
      const r = await ogc.items(req.user, req.params.collectionId, req.query, l);
      if (wantsHtml(req)) return send(reply, 'text/html', itemsHtml(r, JSON.parse(r.features), l));
      // The features arrive as JSON text from PostGIS and are passed on without parsing.
      const head = JSON.stringify({ type: 'FeatureCollection', numberMatched: r.matched, numberReturned: r.returned, timeStamp: r.timeStamp, links: r.links });
      return send(reply, 'application/geo+json', `${head.slice(0, -1)},"features":${r.features}}`);
    },
  );

  app.get<{ Params: { collectionId: string; featureId: string }; Querystring: Format }>(
    '/ogc/collections/:collectionId/items/:featureId',
    {
      schema: {
        summary: 'One feature (404 when it does not exist or lies outside your area)',
        tags: TAGS,
        security,
        params: itemParams,
        querystring: query(),
        response: { 200: answer('application/geo+json', feature), ...errorsWith404 },
      },
    },
    async (req, reply) => {
      const l = linker(req);
      const { feature: f, collection: c } = await ogc.item(req.user, req.params.collectionId, req.params.featureId, l);
      return wantsHtml(req) ? send(reply, 'text/html', itemHtml(f, c, l)) : send(reply, 'application/geo+json', JSON.stringify(f));
    },
  );
}
