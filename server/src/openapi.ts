import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/*
 * The OpenAPI document (GET /docs/json, UI at /docs) is generated from the route schemas. Response schemas are
 * also what Fastify serialises with (fast-json-stringify): a property a schema does not list is dropped and a
 * listed one is coerced to its type. So every object in a response schema here either lists its properties
 * exactly or says `additionalProperties: true`; routes that send pre-built JSON text (GeoJSON from PostGIS)
 * bypass the serialiser.
 */

/** contract/errors.ts ErrorBody, registered once; routes refer to it as `{ $ref: 'Error#' }`. */
const ERROR = {
  $id: 'Error',
  type: 'object',
  description: 'The error body of every 4xx and 5xx answer',
  required: ['error', 'message'],
  // Some errors carry more: `current` (409 version_conflict), `report` (422 import_rejected), `retryAfter` (429).
  additionalProperties: true,
  properties: {
    error: { type: 'string', description: 'machine code, e.g. bad_request, not_found, forbidden_region' },
    message: { type: 'string', description: 'human text' },
    details: { type: 'array', items: {}, description: 'validation errors, bad rows or the allowed statuses' },
  },
} as const;

const GEOMETRY = {
  type: 'object',
  description: 'GeoJSON geometry in WGS84 (EPSG:4326)',
  required: ['type'],
  additionalProperties: true,
  properties: { type: { type: 'string' } },
} as const;

const FEATURE = {
  $id: 'Feature',
  type: 'object',
  description: 'GeoJSON Feature; `properties` depend on the layer',
  required: ['type', 'geometry', 'properties'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', enum: ['Feature'] },
    id: { type: 'string' },
    geometry: GEOMETRY,
    properties: { type: 'object', additionalProperties: true },
  },
} as const;

const FEATURE_COLLECTION = {
  $id: 'FeatureCollection',
  type: 'object',
  description: 'GeoJSON FeatureCollection',
  required: ['type', 'features'],
  additionalProperties: true,
  properties: { type: { type: 'string', enum: ['FeatureCollection'] }, features: { type: 'array', items: { $ref: 'Feature#' } } },
} as const;

/** contract/events.ts ChangeEvent. */
const CHANGE_EVENT = {
  $id: 'ChangeEvent',
  type: 'object',
  description: 'One row of the append-only event log',
  required: ['seq', 'at', 'actor', 'layer', 'id', 'regionCode', 'regionPath', 'op', 'before', 'after'],
  additionalProperties: true,
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    layer: { type: 'string', description: 'a point layer, or import, users, campaigns, regions, ledger' },
    id: { type: 'string' },
    regionCode: { type: ['string', 'null'] },
    regionPath: { type: 'array', items: { type: 'string' }, description: 'district first, deepest last' },
    op: { type: 'string', enum: ['create', 'update', 'delete'] },
    before: { type: ['object', 'null'], additionalProperties: true },
    after: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

/** For `security` on routes that need a token (the schemes are declared once, below). */
export const BEARER = [{ bearer: [] }];
/** /tiles and /ogc: a bearer token, or the same token as `?token=` for clients that cannot send headers. */
export const BEARER_OR_QUERY_TOKEN: Record<string, string[]>[] = [{ bearer: [] }, { token: [] }];

const WHY: Record<number, string> = {
  400: 'Malformed request (body, parameters, unknown values)',
  401: 'No valid token',
  403: 'Not allowed: outside your region, or not your role',
  404: 'No such layer, region, point or record',
  409: 'Conflict with the current state (stale version, duplicate, wrong state)',
  413: 'Too large',
  415: 'Unsupported content type',
  422: 'Understood but refused',
  429: 'Too many attempts; retry later',
  503: 'The database is unreachable',
};

/** Response entries for these error statuses, all with the shared error body. */
export const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [code, { description: WHY[code] ?? 'Error', $ref: 'Error#' }])) as Record<number, { description: string; $ref: string }>;

/** A 200 of GeoJSON with its own media type (the body is often pre-built JSON text from PostGIS). */
export const geoJson = (ref: 'Feature#' | 'FeatureCollection#', description: string) => ({
  description,
  content: { 'application/geo+json': { schema: { $ref: ref } } },
});

const TAGS = [
  { name: 'health', description: 'Liveness' },
  { name: 'auth', description: 'Sign-in and tokens' },
  { name: 'config', description: 'Client settings' },
  { name: 'regions', description: 'The region tree (district → street → community → grid → building group) and roll-ups' },
  { name: 'layers', description: 'Point layers: read, status changes, history' },
  { name: 'events', description: 'The event log (catch-up after a reconnect)' },
  { name: 'campaigns', description: 'Campaigns (挂图作战) and their progress' },
  { name: 'ledger', description: 'The regional Party-building ledger (区域化党建台账): records, three lists, service items, funds' },
  { name: 'alerts', description: 'Alerts (告警): overdue disputes, stalled campaign grids, closed service centres' },
  { name: 'admin', description: 'User administration' },
  { name: 'search', description: 'Search by name or code' },
  { name: 'export', description: 'CSV and XLSX downloads' },
  { name: 'photos', description: 'Photos attached to points' },
  { name: 'imports', description: 'File imports (admin)' },
  { name: 'tiles', description: 'Mapbox Vector Tiles and TileJSON (token as a header or `?token=`)' },
  { name: 'ogc', description: 'OGC API – Features Part 1 (token as a header or `?token=`)' },
];

/**
 * Shared schemas, the document and its UI. Register before any route: @fastify/swagger collects routes as they
 * are added. The document names shared schemas by their `$id` (Error, Feature …) instead of def-0, def-1.
 */
export async function registerOpenApi(app: FastifyInstance, { title, version }: { title: string; version: string }) {
  for (const schema of [ERROR, FEATURE, FEATURE_COLLECTION, CHANGE_EVENT]) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      info: { title, version },
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'the token of POST /api/auth/login' },
          token: { type: 'apiKey', in: 'query', name: 'token', description: 'the same token as a query parameter (/tiles and /ogc only)' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // The UI's own assets and the document routes are hidden from the document; /docs/json answers application/json.
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
