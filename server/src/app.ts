import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import jwt from '@fastify/jwt';
import fastifyStatic from '@fastify/static';
import type { Config } from './config.js';
import { openDb, type Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { loadSample } from './sample/sample.loader.js';
import { AppError, dbUnavailable, diskFull, isBadValue, isDbUnavailable, isDiskFull } from './errors.js';
import { healthRoutes } from './health.routes.js';
import { corsHook } from './cors.js';
import { configRoutes } from './config.routes.js';
import { compressOptions, noCompressionHook } from './compression.js';
import { registerOpenApi } from './openapi.js';
import { AuthRepository } from './auth/auth.repository.js';
import { AuthService } from './auth/auth.service.js';
import { authRoutes, issuedAt, requireToken, type TokenPayload } from './auth/auth.routes.js';
import { loadOrCreateSecret } from './auth/secret.js';
import { RedisFailureLimiter } from './auth/failure-limiter.js';
import { EventsRepository } from './events/events.repository.js';
import { EventsService } from './events/events.service.js';
import { eventsRoutes } from './events/events.routes.js';
import { IdempotencyRepository } from './layers/idempotency.repository.js';
import { LayersRepository } from './layers/layers.repository.js';
import { LayersService } from './layers/layers.service.js';
import { layersRoutes } from './layers/layers.routes.js';
import { CampaignsRepository } from './campaigns/campaigns.repository.js';
import { CampaignsService } from './campaigns/campaigns.service.js';
import { campaignsRoutes } from './campaigns/campaigns.routes.js';
import { LedgerRepository } from './ledger/ledger.repository.js';
import { LedgerService } from './ledger/ledger.service.js';
import { ledgerRoutes } from './ledger/ledger.routes.js';
import { UsersRepository } from './users/users.repository.js';
import { UsersService } from './users/users.service.js';
import { usersRoutes } from './users/users.routes.js';
import { ExportService } from './export/export.service.js';
import { exportRoutes } from './export/export.routes.js';
import { SearchRepository } from './search/search.repository.js';
import { searchRoutes } from './search/search.routes.js';
import { Realtime } from './realtime/realtime.js';
import { PhotoFiles } from './photos/photos.files.js';
import { PhotosRepository } from './photos/photos.repository.js';
import { PhotosService } from './photos/photos.service.js';
import { photosRoutes } from './photos/photos.routes.js';
import { RegionsRepository } from './regions/regions.repository.js';
import { RegionsService } from './regions/regions.service.js';
import { regionsRoutes } from './regions/regions.routes.js';
import { ImportRepository } from './importers/import.repository.js';
import { ImportService } from './importers/import.service.js';
import { importRoutes } from './importers/import.routes.js';
import { openSource } from './importers/readers/index.js';
import { OgcRepository } from './ogc/ogc.repository.js';
import { OgcService } from './ogc/ogc.service.js';
import { ogcRoutes } from './ogc/ogc.routes.js';
import { BuildingGroupsRepository } from './building-groups/building-groups.repository.js';
import { BuildingGroupsService } from './building-groups/building-groups.service.js';
import { buildingGroupsRoutes } from './building-groups/building-groups.routes.js';
import { TilesRepository } from './tiles/tiles.repository.js';
import { AlertsRepository } from './alerts/alerts.repository.js';
import { AlertsService } from './alerts/alerts.service.js';
import { alertsRoutes } from './alerts/alerts.routes.js';
import type { ChangeMessage } from './contract/events.js';
import { TilesService } from './tiles/tiles.service.js';
import { tilesRoutes } from './tiles/tiles.routes.js';
import { CoverageRepository } from './coverage/coverage.repository.js';
import { CoverageService } from './coverage/coverage.service.js';
import { coverageRoutes } from './coverage/coverage.routes.js';
import { BriefingRepository } from './briefing/briefing.repository.js';
import { BriefingService } from './briefing/briefing.service.js';
import { PdfPrinter } from './briefing/briefing.printer.js';
import { briefingRoutes } from './briefing/briefing.routes.js';

const pkg = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

/** Paths the single-page client never owns: unknown ones answer a JSON 404, not index.html. */
const API_PREFIXES = ['/api/', '/socket.io/', '/tiles/', '/ogc', '/docs'];

/** Built files a browser must revalidate on every load (vite.config.ts, field PWA). */
const NO_CACHE_FILES = new Set(['sw.js', 'manifest.webmanifest']);

/** Machine codes for the 4xx that Fastify itself raises (malformed JSON, wrong content type, body too large …). */
const CLIENT_ERROR_CODES: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

export interface App {
  app: FastifyInstance;
  db: Db;
  realtime: Realtime;
  alerts: AlertsService;
}

/**
 * The whole server as one Fastify instance. Order: database (open, migrate, sample) → external plugins
 * (security headers, static client) → domain services → routes → error and not-found handlers.
 */
export async function buildApp(config: Config): Promise<App> {
  const app = Fastify({
    logger: {
      level: config.logLevel,
      // Tiles and OGC requests may carry the token in the URL (auth.routes.ts): it must never reach the log.
      serializers: {
        req: (req) => ({ method: req.method, url: req.url.replace(/([?&]token=)[^&]*/g, '$1…'), remoteAddress: req.ip }),
      },
    },
    // Wall displays and phones sit behind nginx in production; trust it for the client address (rate limits).
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimit,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  // Set before any plugin registers routes: encapsulated plugins copy the handler when they are created.
  app.setErrorHandler((thrown: FastifyError, req, reply) => {
    // Known outages: the cause in one line (not the statement and its parameters, once per request).
    const { code, message } = thrown as { code?: string; message: string };
    if (isDbUnavailable(thrown)) req.log.error({ code, cause: message }, 'database unreachable');
    if (isDiskFull(thrown)) req.log.error({ code, cause: message }, 'disk full');
    const err = isDbUnavailable(thrown) ? dbUnavailable() : isDiskFull(thrown) ? diskFull() : thrown;
    if (err instanceof AppError) {
      // 503 db_unavailable, 507 insufficient_storage and 429 too_many_attempts say when to come back, in the header as well as the body.
      if (typeof err.extra?.retryAfter === 'number') reply.header('Retry-After', String(err.extra.retryAfter));
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, details: err.details, ...err.extra });
    }
    if (err.validation) {
      return reply.status(400).send({ error: 'bad_request', message: err.message, details: err.validation });
    }
    if (err.statusCode === 401) {
      return reply.status(401).send({ error: 'unauthorized', message: 'Log in first: this needs a valid bearer token' });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const code = CLIENT_ERROR_CODES[err.statusCode] ?? 'client_error';
      return reply.status(err.statusCode).send({ error: code, message: err.message });
    }
    if (isBadValue(err)) {
      req.log.info({ err }, 'request value refused by the database');
      return reply.status(400).send({ error: 'bad_value', message: 'A value in the request cannot be stored or compared (a NUL character, or a number out of range)' });
    }
    req.log.error(err);
    return reply.status(500).send({ error: 'internal', message: 'Internal Server Error' });
  });

  const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  app.addHook('onClose', () => db.close());
  try {
    const applied = await migrate(db);
    if (applied.length) app.log.info({ applied }, 'migrations applied');
    if (config.loadSample) {
      const { loaded } = await loadSample(db, { sampleDir: config.sampleDir, demoPassword: config.demoPassword });
      if (loaded) app.log.info('Jinshui sample district loaded');
    }
  } catch (err) {
    await db.close();
    throw err;
  }

  corsHook(app, config.corsOrigins);
  // Before the static client and every route: it hooks itself onto each route as it is added.
  await app.register(compress, compressOptions);
  app.addHook('onRequest', noCompressionHook);
  await app.register(helmet, {
    // Plain HTTP on a LAN of wall displays is a supported deployment: never force https sub-requests or HSTS.
    hsts: false,
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        upgradeInsecureRequests: null,
        // MapLibre runs its workers from blob: URLs and decodes images through blob:/data:.
        workerSrc: ["'self'", 'blob:'],
        childSrc: ["'self'", 'blob:'],
        imgSrc: ["'self'", 'data:', 'blob:', ...(config.basemapStyleUrl ? ['https:'] : [])],
        connectSrc: ["'self'", 'ws:', 'wss:', ...(config.basemapStyleUrl ? ['https:'] : [])],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });

  if (fs.existsSync(path.join(config.clientDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: config.clientDir,
      wildcard: false,
      index: ['index.html'],
      // The build's .br/.gz copies (vite.config.ts), when the client accepts them; else @fastify/compress.
      preCompressed: true,
      // The field service worker and its manifest must be revalidated on every load, or phones keep an old build.
      setHeaders(reply, file) {
        if (NO_CACHE_FILES.has(path.basename(file))) reply.header('Cache-Control', 'no-cache');
      },
    });
  } else {
    app.log.warn(`No built client in ${config.clientDir}: run "npm run build" to serve the dashboard`);
  }

  await registerOpenApi(app, { title: '基层治理态势图 API (Jinshui situation map)', version: pkg.version });

  await app.register(jwt, { secret: config.jwtSecret ?? loadOrCreateSecret(config.dataDir) });
  // Imported only when used: the Redis client is a sizeable module that a single process never needs.
  const redis = config.redisUrl ? await (await import('./realtime/redis.js')).createRedisAdapter(config.redisUrl) : undefined;
  const auth = new AuthService(
    new AuthRepository(db),
    // A wall display runs unattended for months: its token must not expire under it.
    (user) => app.jwt.sign({ ...user, issuedAtMs: Date.now() }, { expiresIn: user.role === 'display' ? '365d' : '12h' }),
    // Several processes share one login limit through Redis (else each would allow the full count).
    redis && ((name, max, windowMs) => new RedisFailureLimiter(redis.client, `login-failures:${name}:`, max, windowMs)),
  );
  requireToken(app, auth);
  const eventsRepository = new EventsRepository(db);
  await eventsRepository.numberPending();
  const regions = new RegionsService(new RegionsRepository(db), () => eventsRepository.lastSeq());
  const events = new EventsService(eventsRepository, regions);

  const realtime = new Realtime(app.server, {
    verify: async (token) => {
      let payload: TokenPayload;
      try {
        payload = app.jwt.verify<TokenPayload>(token);
      } catch {
        throw new AppError(401, 'unauthorized', 'invalid or expired token');
      }
      return auth.session(payload.username, issuedAt(payload));
    },
    requireRegion: (code) => regions.require(code),
    lastSeq: events.lastSeq,
    recover: async (from, to) => layers.messagesOf(await eventsRepository.range(from, to)),
    adapter: redis?.adapter,
    log: app.log,
  });
  // Sockets drop first, so clients move to another process at once; the fan-out to the other processes (Redis)
  // closes once the requests in flight have ended (onClose), so a change they commit still reaches every client.
  app.addHook('preClose', async () => realtime.dropSockets());
  app.addHook('onClose', async () => {
    await realtime.close();
    await redis?.close();
  });

  const alerts = new AlertsService(
    new AlertsRepository(db),
    { db, events: eventsRepository, regions, publish: (m) => realtime.publish(m), log: app.log },
    config.alerts,
  );
  // Writes that may raise or clear an alert: fanned out, then the alert rules they touch are re-evaluated.
  const publishAndAlert = (m: ChangeMessage) => {
    realtime.publish(m);
    alerts.changed(m);
  };
  app.addHook('onReady', async () => alerts.start());
  // Before anything closes: no evaluation may start on a closing database.
  app.addHook('preClose', () => alerts.stop());

  const layers = new LayersService(db, new LayersRepository(db), eventsRepository, new IdempotencyRepository(), regions, publishAndAlert);
  const campaigns = new CampaignsService(new CampaignsRepository(db), regions, () => eventsRepository.lastSeq(), { db, events: eventsRepository, publish: publishAndAlert });
  const ledger = new LedgerService({ db, ledger: new LedgerRepository(db), regions, events: eventsRepository, publish: (m) => realtime.publish(m) });
  const users = new UsersService(db, new UsersRepository(db), eventsRepository, {
    publish: (m) => realtime.publish(m),
    disconnectUser: (username) => realtime.disconnectUser(username),
  });
  const imports = new ImportService(db, new ImportRepository(), eventsRepository, openSource, publishAndAlert);

  await app.register(healthRoutes, { db, version: pkg.version });
  await app.register(authRoutes, { auth });
  await app.register(configRoutes, { config, version: pkg.version });
  await app.register(regionsRoutes, { regions });
  await app.register(layersRoutes, { layers });
  await app.register(eventsRoutes, { events });
  await app.register(campaignsRoutes, { campaigns });
  await app.register(alertsRoutes, { alerts });
  await app.register(usersRoutes, { users });
  await app.register(ledgerRoutes, { ledger });
  await app.register(searchRoutes, { search: new SearchRepository(db) });
  await app.register(exportRoutes, { exporter: new ExportService(layers) });
  await app.register(photosRoutes, { photos: new PhotosService(db, new PhotosRepository(db), new PhotoFiles(config.dataDir), layers) });
  await app.register(importRoutes, { imports, tmpDir: path.join(config.dataDir, 'tmp'), maxBytes: config.importMaxBytes });
  await app.register(ogcRoutes, { ogc: new OgcService(new OgcRepository(db)) });
  await app.register(buildingGroupsRoutes, {
    buildingGroups: new BuildingGroupsService(db, new BuildingGroupsRepository(db), eventsRepository, regions, (m) => realtime.publish(m)),
  });
  await app.register(tilesRoutes, { tiles: new TilesService(new TilesRepository(db), regions, db.kind) });
  const coverage = new CoverageService(new CoverageRepository(db), regions, config.coverageDistanceM, () => eventsRepository.lastSeq());
  await app.register(coverageRoutes, { coverage });
  // Chromium starts on the first briefing, not here; it closes with the server.
  const printer = new PdfPrinter(config.chromiumPath);
  app.addHook('onClose', () => printer.close());
  await app.register(briefingRoutes, { briefing: new BriefingService({ regions, coverage, campaigns, ledger, repository: new BriefingRepository(db), printer }) });

  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0];
    const isPage = req.method === 'GET' && !API_PREFIXES.some((p) => url.startsWith(p)) && !path.extname(url);
    if (isPage && fs.existsSync(path.join(config.clientDir, 'index.html'))) return reply.sendFile('index.html');
    return reply.status(404).send({ error: 'not_found', message: `${req.method} ${url} does not exist` });
  });

  return { app, db, realtime, alerts };
}
