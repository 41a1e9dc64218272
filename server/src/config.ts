import path from 'node:path';
import type { AlertsConfig } from './alerts/alerts.service.js';

/** Runtime configuration. This module is the only reader of process.env (API.md "Configuration"). */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Real PostgreSQL + PostGIS; undefined = embedded PGlite + PostGIS under dataDir. */
  databaseUrl?: string;
  redisUrl?: string;
  demoPassword: string;
  basemapStyleUrl?: string;
  /** Directory of the built client (vite build); served with SPA fallback when it exists. */
  clientDir: string;
  /** Directory of the committed sample district loaded on first start. */
  sampleDir: string;
  logLevel: string;
  /** Load the sample district and its demo accounts on start (default in embedded mode, `--demo` otherwise). */
  loadSample: boolean;
  /** JWT signing secret; undefined = generated once and kept in dataDir. */
  jwtSecret?: string;
  /** Trust X-Forwarded-For from a reverse proxy (nginx) for client addresses. */
  trustProxy: boolean;
  /** Largest file POST /api/imports accepts, in bytes. */
  importMaxBytes: number;
  /** Largest JSON (or other parsed) request body, in bytes: 413 payload_too_large beyond. Imports and photos have their own. */
  bodyLimit: number;
  /**
   * A point layer with more features than this in the region on screen is drawn from vector tiles
   * (/tiles/:layer/…) instead of one GeoJSON load. 0 = always tiles (tests force the tile path with it).
   */
  tileThreshold: number;
  /** Origins allowed cross-origin access (CORS); empty = closed. */
  corsOrigins: string[];
  /** Walking distance (m) within which a community service centre covers a compound (`?distance=` overrides per request). */
  coverageDistanceM: number;
  /** Chromium that prints the region briefing PDF (launched on first use). */
  chromiumPath: string;
  /** Alert rules (server/src/alerts): dispute time limits per mediation level, stall days, evaluation period. */
  alerts: AlertsConfig;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const root = path.resolve(import.meta.dirname, '../..');
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`PORT must be an integer 0–65535, got "${env.PORT}"`);
  const empty = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());
  const importMaxMb = Number(empty(env.IMPORT_MAX_MB) ?? 200);
  if (!(importMaxMb > 0)) throw new ConfigError(`IMPORT_MAX_MB must be a positive number, got "${env.IMPORT_MAX_MB}"`);
  const bodyMaxKb = Number(empty(env.BODY_MAX_KB) ?? 1024);
  if (!(bodyMaxKb > 0)) throw new ConfigError(`BODY_MAX_KB must be a positive number, got "${env.BODY_MAX_KB}"`);
  const tileThreshold = Number(empty(env.TILE_THRESHOLD) ?? 10_000);
  if (!Number.isInteger(tileThreshold) || tileThreshold < 0) throw new ConfigError(`TILE_THRESHOLD must be a non-negative integer, got "${env.TILE_THRESHOLD}"`);
  const corsOrigins = (empty(env.CORS_ORIGINS) ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  const badOrigin = corsOrigins.find((o) => !/^https?:\/\/[^/\s]+$/.test(o));
  if (badOrigin) throw new ConfigError(`CORS_ORIGINS must be comma-separated origins like https://portal.example, got "${badOrigin}"`);
  const coverageDistanceM = Number(empty(env.COVERAGE_DISTANCE_M) ?? 1000);
  if (!Number.isFinite(coverageDistanceM) || coverageDistanceM < 100 || coverageDistanceM > 5000) {
    throw new ConfigError(`COVERAGE_DISTANCE_M must be a number of metres 100–5000, got "${env.COVERAGE_DISTANCE_M}"`);
  }
  const alerts = alertsConfig(env, empty);
  const databaseUrl = empty(env.DATABASE_URL);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new ConfigError('DATABASE_URL must be a postgres:// URL');
  return {
    port,
    host: empty(env.HOST) ?? '127.0.0.1',
    dataDir: path.resolve(empty(env.DATA_DIR) ?? './data'),
    databaseUrl,
    redisUrl: empty(env.REDIS_URL),
    demoPassword: env.DEMO_PASSWORD ?? 'jinshui-demo',
    basemapStyleUrl: empty(env.BASEMAP_STYLE_URL),
    clientDir: path.join(root, 'dist/client'),
    sampleDir: path.join(root, 'geodata/jinshui'),
    logLevel: empty(env.LOG_LEVEL) ?? 'info',
    loadSample: !databaseUrl,
    jwtSecret: empty(env.JWT_SECRET),
    trustProxy: env.TRUST_PROXY === '1' || env.TRUST_PROXY === 'true',
    importMaxBytes: Math.round(importMaxMb * 1024 * 1024),
    bodyLimit: Math.round(bodyMaxKb * 1024),
    tileThreshold,
    corsOrigins,
    coverageDistanceM,
    chromiumPath: empty(env.CHROMIUM_PATH) ?? '/usr/bin/chromium',
    alerts,
    ...overrides,
  };
}

/**
 * ALERT_DISPUTE_DAYS "community=15,street=30,district=60" (the mediation time limits the sample's deadlines use),
 * ALERT_STALL_DAYS (default 3), ALERT_EVALUATE_S (default 60; 0 = only at start, and after changes for what they touch).
 */
function alertsConfig(env: NodeJS.ProcessEnv, empty: (v: string | undefined) => string | undefined): AlertsConfig {
  const disputeDays = { community: 15, street: 30, district: 60 };
  for (const pair of (empty(env.ALERT_DISPUTE_DAYS) ?? '').split(',').filter((p) => p.trim())) {
    const [level, days] = pair.split('=').map((s) => s.trim());
    if (!(level in disputeDays) || !/^[1-9][0-9]{0,3}$/.test(days ?? '')) {
      throw new ConfigError(`ALERT_DISPUTE_DAYS must be like community=15,street=30,district=60, got "${env.ALERT_DISPUTE_DAYS}"`);
    }
    disputeDays[level as keyof typeof disputeDays] = Number(days);
  }
  const stallDays = Number(empty(env.ALERT_STALL_DAYS) ?? 3);
  if (!Number.isInteger(stallDays) || stallDays < 1) throw new ConfigError(`ALERT_STALL_DAYS must be a positive integer, got "${env.ALERT_STALL_DAYS}"`);
  const evaluateS = Number(empty(env.ALERT_EVALUATE_S) ?? 60);
  if (!(evaluateS >= 0)) throw new ConfigError(`ALERT_EVALUATE_S must be a non-negative number, got "${env.ALERT_EVALUATE_S}"`);
  return { disputeDays, stallDays, evaluateMs: Math.round(evaluateS * 1000) };
}
