// The OpenAPI document (GET /docs/json) of the real server (both backends): valid OpenAPI, and complete — every
// route Fastify registers under /api, /tiles and /ogc is in it with a summary, tags, a 2xx and a 4xx answer.
// Routes are collected as Fastify registers them (the `fastify.initialization` diagnostics channel hands over
// the instance before any plugin loads), so routes added later by any module are covered too.
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { CLIENT_DIST } from '../e2e/browser.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** /api routes that answer without a token (auth.routes.ts). */
const PUBLIC = new Set(['/api/health', '/api/auth/login']);
const GOVERNED = /^\/(api|tiles|ogc)(\/|$)/;
/** The liveness probe takes no input and needs no token: it has a 503 but no 4xx. */
const NO_CLIENT_ERROR = new Set(['GET /api/health']);

/** `/api/layers/:layer/:id` → `/api/layers/{layer}/{id}`, as the document writes paths. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

interface Registered {
  method: string;
  url: string;
}

describe.each(BACKENDS)('OpenAPI document on %s', (backend) => {
  let server: TestServer;
  let doc: OpenAPIV3.Document;
  let contentType: string | null;
  const registered: Registered[] = [];

  beforeAll(async () => {
    const collect = (message: unknown) => {
      (message as { fastify: FastifyInstance }).fastify.addHook('onRoute', (route: RouteOptions) => {
        for (const method of [route.method].flat()) registered.push({ method: method.toLowerCase(), url: route.url! });
      });
    };
    diagnostics.subscribe('fastify.initialization', collect);
    try {
      server = await startTestServer({ backend });
    } finally {
      diagnostics.unsubscribe('fastify.initialization', collect);
    }
    const res = await fetch(server.url + '/docs/json');
    expect(res.status).toBe(200);
    contentType = res.headers.get('content-type');
    doc = (await res.json()) as OpenAPIV3.Document;
  });
  afterAll(() => server?.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([p, item]) =>
      METHODS.filter((m) => item?.[m]).map((m) => ({ key: `${m.toUpperCase()} ${p}`, path: p, method: m, op: item![m]! })),
    );

  it('is served as plain application/json at /docs/json, and the UI at /docs', async () => {
    expect(contentType).toMatch(/^application\/json(;|$)/);
    const ui = await fetch(server.url + '/docs');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('validates as OpenAPI with swagger-parser', async () => {
    const validated = (await SwaggerParser.validate(structuredClone(doc) as never)) as { openapi?: string };
    expect(validated.openapi).toMatch(/^3\./);
  });

  it('lists every route registered under /api, /tiles and /ogc', () => {
    const governed = registered.filter((r) => GOVERNED.test(r.url) && r.method !== 'head');
    expect(governed.length).toBeGreaterThan(25);
    const documented = new Set(operations().map((o) => o.key));
    const missing = governed.map((r) => `${r.method.toUpperCase()} ${openApiPath(r.url)}`).filter((k) => !documented.has(k));
    expect(missing).toEqual([]);
  });

  it('hides nothing but the UI’s own routes and the static client', () => {
    const documented = new Set(operations().map((o) => o.key));
    const hidden = registered
      .filter((r) => r.method !== 'head' && !documented.has(`${r.method.toUpperCase()} ${openApiPath(r.url)}`))
      .map((r) => r.url)
      .filter((url) => !url.startsWith('/docs') && !(url === '/' || fs.existsSync(path.join(CLIENT_DIST, url))));
    expect(hidden).toEqual([]);
  });

  it('gives every operation a summary, a tag, a 2xx answer and at least one 4xx answer', () => {
    const lacking = operations()
      .map(({ key, op }) => {
        const codes = Object.keys(op.responses ?? {});
        const wants = [
          !op.summary && 'summary',
          !op.tags?.length && 'tags',
          !codes.some((c) => /^2/.test(c)) && '2xx',
          !codes.some((c) => /^4/.test(c)) && !NO_CLIENT_ERROR.has(key) && '4xx',
        ].filter(Boolean);
        return wants.length ? `${key}: ${wants.join(', ')}` : null;
      })
      .filter(Boolean);
    expect(lacking).toEqual([]);
  });

  it('marks every /api operation that needs a token with bearer security and a 401, and the public ones without', () => {
    for (const { key, path: p, op } of operations().filter((o) => o.path.startsWith('/api/'))) {
      if (PUBLIC.has(p)) {
        expect({ key, security: op.security ?? [] }).toEqual({ key, security: [] });
      } else {
        expect({ key, security: op.security }).toEqual({ key, security: [{ bearer: [] }] });
        expect({ key, has401: '401' in (op.responses ?? {}) }).toEqual({ key, has401: true });
      }
    }
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('shares one Error schema in components, referenced by the error answers', () => {
    expect(doc.components?.schemas?.Error).toMatchObject({ type: 'object', required: ['error', 'message'] });
    const refs = operations().flatMap(({ op }) =>
      Object.entries(op.responses ?? {})
        .filter(([code]) => /^4/.test(code))
        .map(([, r]) => JSON.stringify(r)),
    );
    expect(refs.filter((r) => r.includes('#/components/schemas/Error')).length).toBeGreaterThan(50);
  });
});
