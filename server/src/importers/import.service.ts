/**
 * Imports a file into a point layer or a region level, all or nothing, in one transaction: the records stream
 * into a staging table in batches, PostGIS finds every bad row, and only then is anything written — or nothing,
 * when a row is bad and skip-bad was not asked for. The import commits together with its one event.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Db, Transaction } from '../db/db.js';
import type { BadRow, ImportCrs, ImportEncoding, ImportReport, ImportTarget } from '../contract/imports.js';
import { isLayerName, type LayerName } from '../contract/layers.js';
import { REGION_LEVELS } from '../contract/regions.js';
import { AppError } from '../errors.js';
import type { EventsRepository } from '../events/events.repository.js';
import type { Publish } from '../layers/layers.service.js';
import type { OpenSource, Source } from './source.js';
import { SourceError } from './source.js';
import { geometryTypes, initialStatus, mapLayerRow, mapRegionRow, type MappedRow } from './import.fields.js';
import type { ImportRepository, StagedRow } from './import.repository.js';

/** Rows per staging statement: one jsonb parameter of a few hundred kB, whatever the file's size. */
const BATCH_ROWS = 2_000;

export interface ImportProgress {
  phase: 'reading' | 'validating' | 'writing' | 'reassigning';
  /** Records read so far. */
  rows: number;
  /** Bytes of the file read so far, and in all when known. */
  read: number;
  total?: number;
}

export interface ImportOptions {
  target: ImportTarget;
  /** The input's CRS when the file does not say (a Shapefile's .prj wins). Default wgs84. */
  crs?: ImportCrs;
  encoding?: ImportEncoding;
  /** Write the good rows and leave the bad ones out, instead of writing nothing. */
  skipBad?: boolean;
  /** Who imports: a username, or `cli:` + the OS user. */
  actor: string;
  /** The name the file is known by (an upload's name; the temp file's own name means nothing). */
  fileName?: string;
  onProgress?: (progress: ImportProgress) => void;
}

/** Carries a rejected import's report out of the transaction, so that it rolls back. */
class Rejected extends Error {
  constructor(readonly report: ImportReport) {
    super('import rejected');
  }
}

const SUBJECT_LEVELS: readonly string[] = REGION_LEVELS.filter((l) => l !== 'district');

/** Postgres error codes of a constraint a boundary import broke (a region outside its parent, a dangling key). */
const CONSTRAINT_CODES = new Set(['23503', '23514']);

export class ImportService {
  constructor(
    private readonly db: Db,
    private readonly imports: ImportRepository,
    private readonly events: EventsRepository,
    private readonly openSource: OpenSource,
    private readonly publish: Publish,
  ) {}

  /** A target from loose input (query string, command line): a 400 that says what is allowed. */
  static parseTarget(layer: string | undefined, level: string | undefined): ImportTarget {
    if (layer === 'regions') {
      if (!level || !SUBJECT_LEVELS.includes(level)) {
        throw new AppError(400, 'bad_request', `Importing regions needs a level: ${SUBJECT_LEVELS.join(', ')}`);
      }
      return { layer: 'regions', level: level as Exclude<(typeof REGION_LEVELS)[number], 'district'> };
    }
    if (!layer || !isLayerName(layer)) throw new AppError(400, 'bad_request', `Unknown layer "${layer ?? ''}"`);
    if (level !== undefined) throw new AppError(400, 'bad_request', 'A level is only for importing regions (layer=regions)');
    return { layer };
  }

  /**
   * Imports `file`. Resolves with the report, committed or not (bad rows without skipBad roll everything back);
   * rejects with a SourceError for a file refused as a whole, or an AppError 409 `import_rejected` when a
   * boundary import would strand users or other rows in regions that no longer exist.
   */
  async importFile(file: string, options: ImportOptions): Promise<ImportReport> {
    const { target } = options;
    const source = await this.openSource(file, { crs: options.crs, encoding: options.encoding });
    const progress = (phase: ImportProgress['phase'], rows: number) => options.onProgress?.({ phase, rows, ...source.progress() });
    const base: ImportReport = {
      layer: target.layer,
      ...('level' in target ? { level: target.level } : {}),
      format: source.format,
      crs: source.crs,
      total: 0,
      imported: 0,
      skipped: 0,
      bad: [],
      badCount: 0,
      committed: false,
    };

    let outcome: { report: ImportReport; publish?: Parameters<Publish>[0] };
    try {
      outcome = await this.db.transaction(async (tx) => {
        await this.imports.lock(tx);
        if (target.layer === 'regions') await this.imports.deferConstraints(tx);
        await this.imports.createStaging(tx);
        const codeRows = new Map<string, number>();
        const total = await this.stageAll(tx, source, target, codeRows, (rows) => progress('reading', rows));
        if (total === 0) throw new SourceError('unreadable', 'The file holds no rows or features to import');

        progress('validating', total);
        const bad = await this.imports.validate(tx, target.layer, geometryTypes(target.layer));
        // Read only now: a GeoJSON reader learns a `crs` member while it streams.
        const report: ImportReport = { ...base, crs: source.crs, total, bad, badCount: bad.length };
        if ((bad.length && !options.skipBad) || bad.length === total) throw new Rejected(report);

        progress('writing', total);
        let imported: number;
        let counts: Pick<ImportReport, 'created' | 'updated' | 'removed' | 'removedDeeper' | 'reassigned'>;
        if (target.layer === 'regions') {
          const { inserted, ...rest } = await this.replaceLevel(tx, target.level, report, codeRows, (rows) => progress('reassigning', rows));
          [imported, counts] = [inserted, rest];
        } else {
          counts = await this.imports.writeLayer(tx, target.layer, initialStatus(target.layer));
          imported = counts.created! + counts.updated!;
        }
        const done: ImportReport = { ...report, imported, skipped: bad.length, committed: true, ...counts };

        const event = await this.events.appendAndCommit(tx, {
          actor: options.actor,
          layer: 'import',
          id: crypto.randomUUID(),
          regionCode: null,
          op: 'create',
          before: null,
          after: {
            layer: target.layer,
            ...('level' in target ? { level: target.level } : {}),
            file: options.fileName ?? path.basename(file),
            count: imported,
            crs: source.crs,
            format: source.format,
            skipped: bad.length,
            ...counts,
          },
        });
        return { report: { ...done, seq: event.seq }, publish: { ...event, feature: null } };
      });
    } catch (err) {
      if (err instanceof Rejected) return err.report;
      throw err;
    } finally {
      await source.close();
    }
    if (outcome.publish) this.publish(outcome.publish);
    return outcome.report;
  }

  /** Reads the whole source into the staging table, BATCH_ROWS at a time. Returns the number of records. */
  private async stageAll(
    tx: Transaction,
    source: Source,
    target: ImportTarget,
    codeRows: Map<string, number>,
    onBatch: (rows: number) => void,
  ): Promise<number> {
    let batch: StagedRow[] = [];
    let total = 0;
    for await (const record of source.records) {
      total++;
      const mapped: MappedRow = target.layer === 'regions' ? mapRegionRow(target.level, record.properties) : mapLayerRow(target.layer as LayerName, record.properties);
      // A reader's complaint comes first: it usually explains the field errors that follow from it.
      const errors = record.error ? [record.error, ...mapped.errors] : mapped.errors;
      if (target.layer === 'regions' && typeof mapped.props.code === 'string') codeRows.set(mapped.props.code, record.row);
      batch.push({ n: record.row, geometry: record.error ? null : record.geometry, props: mapped.props, errors });
      if (batch.length >= BATCH_ROWS) {
        await this.imports.stage(tx, batch);
        batch = [];
        onBatch(total);
      }
    }
    if (batch.length) await this.imports.stage(tx, batch);
    onBatch(total);
    return total;
  }

  /**
   * Replaces a region level and everything below it, re-assigns the points, and makes sure nothing still points
   * at a region that is gone: users are named in a 409; a region the inside-parent trigger refuses becomes a bad row.
   */
  private async replaceLevel(
    tx: Transaction,
    level: Exclude<(typeof REGION_LEVELS)[number], 'district'>,
    report: ImportReport,
    codeRows: Map<string, number>,
    onReassign: (rows: number) => void,
  ) {
    let replaced: { removed: number; removedDeeper: number; inserted: number };
    try {
      replaced = await this.imports.replaceLevel(tx, level);
    } catch (err) {
      // The pre-check in validate() applies the trigger's own rule, so this is a safety net, not the usual path.
      const code = /region (\d+)/.exec(String((err as Error).message))?.[1];
      if (CONSTRAINT_CODES.has((err as { code?: string }).code ?? '') && code && codeRows.has(code)) {
        const bad: BadRow[] = [...report.bad, { row: codeRows.get(code)!, reason: (err as Error).message }].sort((a, b) => a.row - b.row);
        throw new Rejected({ ...report, bad, badCount: bad.length });
      }
      throw err;
    }
    const stranded = await this.imports.usersInMissingRegions(tx);
    if (stranded.length) {
      const list = stranded.map((u) => `${u.username} (${u.regionCode})`);
      throw new AppError(
        409,
        'import_rejected',
        `The new ${level} boundaries drop regions that ${stranded.length} user(s) are assigned to: ${list.slice(0, 20).join(', ')}` +
          `${list.length > 20 ? ` and ${list.length - 20} more` : ''}. Reassign them first, or keep those codes in the file.`,
        stranded,
      );
    }
    onReassign(report.total);
    const reassigned = await this.imports.reassignPoints(tx);
    try {
      await this.imports.checkConstraints(tx);
    } catch (err) {
      if (!CONSTRAINT_CODES.has((err as { code?: string }).code ?? '')) throw err;
      throw new AppError(409, 'import_rejected', `The new ${level} boundaries leave rows pointing at regions that no longer exist: ${(err as Error).message}`);
    }
    return { ...replaced, reassigned };
  }
}
