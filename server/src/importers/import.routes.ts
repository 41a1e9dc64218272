import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { IMPORT_CRS, IMPORT_ENCODINGS, IMPORT_FORMATS, MAX_LISTED_BAD_ROWS, type ImportCrs, type ImportEncoding, type ImportReport } from '../contract/imports.js';
import { LAYERS } from '../contract/layers.js';
import { DISTRICT_CODE, REGION_LEVELS } from '../contract/regions.js';
import { AppError } from '../errors.js';
import { userRoots } from '../auth/auth.service.js';
import { SourceError } from './source.js';
import { formatOf } from './readers/index.js';
import { ImportService } from './import.service.js';
import { BEARER, errors } from '../openapi.js';

export interface ImportRoutesOptions {
  imports: ImportService;
  /** Uploads are streamed here first (readers need a file: a zip needs random access). */
  tmpDir: string;
  /** Largest upload accepted, in bytes (413 beyond). */
  maxBytes: number;
}

const badRowSchema = { type: 'object', properties: { row: { type: 'integer' }, reason: { type: 'string' } } } as const;
const count = { type: 'integer' } as const;
const reportSchema = {
  type: 'object',
  properties: {
    layer: { type: 'string' },
    level: { type: 'string' },
    format: { type: 'string', enum: [...IMPORT_FORMATS] },
    crs: { type: 'string', enum: [...IMPORT_CRS] },
    total: count,
    imported: count,
    created: count,
    updated: count,
    skipped: count,
    bad: { type: 'array', items: badRowSchema },
    badCount: count,
    committed: { type: 'boolean' },
    seq: count,
    removed: count,
    removedDeeper: count,
    reassigned: count,
  },
} as const;
/** The error body of a rejected file: every bad row (the first 1,000) and the report. */
const rejectedSchema = {
  type: 'object',
  required: ['error', 'message'],
  additionalProperties: true,
  description: 'Rows are bad: nothing was written',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'array', items: badRowSchema },
    report: reportSchema,
  },
} as const;

/** The status of a file refused as a whole (API.md: never a 5xx for a bad file). */
const SOURCE_STATUS: Record<SourceError['code'], number> = { too_large: 413, hostile_archive: 400, unsupported_format: 400, unreadable: 400 };

/** Extensions pick the reader; anything else in an upload's name is dropped. */
const extensionOf = (name: string) => {
  const ext = path.extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
};

/** The first MAX_LISTED_BAD_ROWS bad rows: a file of 100,000 bad rows must not become a 10 MB answer. */
const listed = (report: ImportReport): ImportReport => ({ ...report, bad: report.bad.slice(0, MAX_LISTED_BAD_ROWS) });

/** Streams the request body into `file`, refusing more than maxBytes with a 413. */
async function receive(body: Readable, file: string, maxBytes: number): Promise<void> {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(new AppError(413, 'payload_too_large', `The file is larger than ${Math.round(maxBytes / 1048576)} MB`));
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, limit, fs.createWriteStream(file, { flags: 'wx' }));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(400, 'upload_failed', `The upload did not complete: ${(err as Error).message}`);
  }
}

export async function importRoutes(app: FastifyInstance, { imports, tmpDir, maxBytes }: ImportRoutesOptions) {
  fs.mkdirSync(tmpDir, { recursive: true });
  // The body is the file itself, in any content type: hand the raw stream over (this plugin's scope only) and
  // let the handler write it to disk under its own size limit, instead of buffering it as JSON or text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.post<{ Querystring: { layer: string; level?: string; crs?: ImportCrs; encoding?: ImportEncoding; skipBad?: boolean; filename: string } }>(
    '/api/imports',
    {
      schema: {
        summary: 'Import a file (GeoJSON, Shapefile .zip, KML, CSV, XLSX) into a layer, or replace a region level (admin only)',
        description:
          'The body is the raw file. All or nothing: any bad row rejects the file (422 with every bad row) unless skipBad=true. ' +
          'layer=regions&level=L replaces that boundary level and every deeper one, and re-assigns the points.',
        tags: ['imports'],
        security: BEARER,
        querystring: {
          type: 'object',
          required: ['layer', 'filename'],
          additionalProperties: false,
          properties: {
            layer: { type: 'string', enum: [...LAYERS, 'regions'] },
            level: { type: 'string', enum: REGION_LEVELS.filter((l) => l !== 'district') },
            crs: { type: 'string', enum: [...IMPORT_CRS] },
            encoding: { type: 'string', enum: [...IMPORT_ENCODINGS] },
            skipBad: { type: 'boolean' },
            filename: { type: 'string', minLength: 1, maxLength: 255, description: 'the file name; its extension picks the format' },
          },
        },
        response: {
          200: reportSchema,
          ...errors(400, 401, 403, 409, 413),
          422: rejectedSchema,
        },
      },
    },
    async (req) => {
      if (req.user.role !== 'admin') throw new AppError(403, 'forbidden', 'Only an administrator may import files');
      // An import validates against the whole district and may replace a whole boundary level.
      if (!userRoots(req.user).includes(DISTRICT_CODE)) {
        throw new AppError(403, 'forbidden_region', 'Imports change the whole district: they need an administrator of the district');
      }
      const target = ImportService.parseTarget(req.query.layer, req.query.level);
      if (!formatOf(req.query.filename)) {
        throw new AppError(400, 'unsupported_format', `Cannot import "${req.query.filename}": use .geojson/.json, .zip (Shapefile), .kml, .csv or .xlsx`);
      }
      const declared = Number(req.headers['content-length']);
      if (declared > maxBytes) throw new AppError(413, 'payload_too_large', `The file is larger than ${Math.round(maxBytes / 1048576)} MB`);

      const file = path.join(tmpDir, `upload-${crypto.randomUUID()}${extensionOf(req.query.filename)}`);
      try {
        await receive(req.body as Readable, file, maxBytes);
        const report = await imports.importFile(file, {
          target,
          crs: req.query.crs,
          encoding: req.query.encoding,
          skipBad: req.query.skipBad,
          actor: req.user.username,
          fileName: path.basename(req.query.filename),
        });
        if (report.committed) return listed(report);
        const more = report.badCount > MAX_LISTED_BAD_ROWS ? ` (the first ${MAX_LISTED_BAD_ROWS} are listed)` : '';
        throw new AppError(
          422,
          'import_rejected',
          report.badCount === report.total
            ? `All ${report.total} rows are bad${more}; nothing was written.`
            : `${report.badCount} of ${report.total} rows are bad${more}; nothing was written. Fix them, or import with skipBad=true to leave them out.`,
          report.bad.slice(0, MAX_LISTED_BAD_ROWS),
          { report: listed(report) },
        );
      } catch (err) {
        if (err instanceof SourceError) throw new AppError(SOURCE_STATUS[err.code] ?? 400, err.code, err.message);
        throw err;
      } finally {
        await fs.promises.rm(file, { force: true });
      }
    },
  );
}
