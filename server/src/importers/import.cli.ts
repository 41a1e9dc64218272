/**
 * `npm run import -- FILE --layer LAYER [--level LEVEL] [--crs wgs84|gcj02|bd09|cgcs2000] [--encoding utf8|gbk] [--skip-bad]`
 * (API.md §Command line). Imports into the configured database (DATABASE_URL, else the embedded one under DATA_DIR),
 * prints the report with every bad row, and exits 0 when the import committed, 1 when it was rejected or failed,
 * 2 on a usage error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.js';
import { openDb, type Db } from '../db/db.js';
import { EmbeddedDbBusyError } from '../db/embedded.db.js';
import { migrate } from '../db/migrate.js';
import { IMPORT_CRS, IMPORT_ENCODINGS, type ImportCrs, type ImportEncoding, type ImportReport } from '../contract/imports.js';
import { LAYERS } from '../contract/layers.js';
import { REGION_LEVELS } from '../contract/regions.js';
import { AppError } from '../errors.js';
import { EventsRepository } from '../events/events.repository.js';
import { SourceError } from './source.js';
import { openSource } from './readers/index.js';
import { ImportRepository } from './import.repository.js';
import { ImportService, type ImportProgress } from './import.service.js';

const USAGE = `Usage: npm run import -- FILE --layer LAYER [--level LEVEL] [--crs CRS] [--encoding ENC] [--skip-bad]

  FILE         GeoJSON (.geojson/.json), Shapefile (.zip), KML (.kml), CSV (.csv) or XLSX (.xlsx)
  --layer      ${LAYERS.join(', ')}, or regions (with --level)
  --level      for --layer regions: ${REGION_LEVELS.filter((l) => l !== 'district').join(', ')} (replaces that level and every deeper one)
  --crs        ${IMPORT_CRS.join(', ')} (default wgs84; a Shapefile's .prj wins)
  --encoding   ${IMPORT_ENCODINGS.join(', ')} (default: a .cpg says, else utf8)
  --skip-bad   write the good rows and leave the bad ones out (default: any bad row writes nothing)

Database: DATABASE_URL, else the embedded database under DATA_DIR (stop the server first: it holds it).`;

class UsageError extends Error {}

interface CliArgs {
  file: string;
  layer: string;
  level?: string;
  crs?: ImportCrs;
  encoding?: ImportEncoding;
  skipBad: boolean;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value !== undefined && !allowed.includes(value as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T | undefined;
}

function parse(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        layer: { type: 'string' },
        level: { type: 'string' },
        crs: { type: 'string' },
        encoding: { type: 'string' },
        'skip-bad': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `One FILE at a time; got ${positionals.join(' ')}` : 'Which FILE?');
  if (!values.layer) throw new UsageError('--layer is required');
  return {
    file: positionals[0],
    layer: values.layer,
    level: values.level,
    crs: oneOf('crs', values.crs, IMPORT_CRS),
    encoding: oneOf('encoding', values.encoding, IMPORT_ENCODINGS),
    skipBad: values['skip-bad'],
  };
}

const PHASES: Record<ImportProgress['phase'], string> = {
  reading: 'reading and staging',
  validating: 'validating in PostGIS',
  writing: 'writing',
  reassigning: 're-assigning points to regions',
};

/** A bar on a terminal; on a pipe or a log file, one plain line per phase (a bar would fill it with redraws). */
function progressReporter(): { update: (p: ImportProgress) => void; stop: () => void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: ' {bar} {percentage}% | {rows} rows | {phase}', hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const total = p.total ?? Math.max(p.read, 1);
        if (!started) bar.start(total, 0, { rows: 0, phase: PHASES[p.phase] });
        started = true;
        bar.setTotal(total);
        bar.update(p.phase === 'reading' ? p.read : total, { rows: p.rows, phase: PHASES[p.phase] });
      },
      stop: () => started && bar.stop(),
    };
  }
  let phase: string | undefined;
  return {
    update(p) {
      if (p.phase === phase) return;
      phase = p.phase;
      process.stderr.write(`${PHASES[p.phase]}…${p.phase === 'reading' ? '' : ` (${p.rows} rows)`}\n`);
    },
    stop() {},
  };
}

function printReport(file: string, r: ImportReport): void {
  const out: string[] = [];
  const target = r.level ? `regions (${r.level})` : r.layer;
  out.push(`${file} → ${target}: ${r.format}, ${r.crs}, ${r.total} rows read`);
  for (const b of r.bad) out.push(`  row ${b.row}: ${b.reason}`);
  if (r.committed) {
    const parts = [`${r.imported} imported`];
    if (r.created !== undefined) parts.push(`${r.created} new, ${r.updated} updated by id`);
    if (r.skipped) parts.push(`${r.skipped} bad rows skipped`);
    if (r.removed !== undefined) parts.push(`${r.removed} ${r.level} regions replaced, ${r.removedDeeper} deeper regions removed`);
    if (r.reassigned !== undefined) parts.push(`${r.reassigned} points re-assigned`);
    out.push(`Committed (event seq ${r.seq}): ${parts.join('; ')}.`);
  } else {
    out.push(
      r.badCount === r.total
        ? `Rejected: all ${r.total} rows are bad; nothing was written.`
        : `Rejected: ${r.badCount} of ${r.total} rows are bad; nothing was written. Fix them, or run again with --skip-bad to leave them out.`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  let target;
  try {
    args = parse(argv);
    target = ImportService.parseTarget(args.layer, args.level);
    if (!fs.existsSync(args.file) || !fs.statSync(args.file).isFile()) throw new UsageError(`No such file: ${args.file}`);
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof AppError)) throw err;
    if (err.message) process.stderr.write(`${err.message}\n\n`);
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }

  const config = loadConfig();
  let db: Db;
  try {
    db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    if (err instanceof EmbeddedDbBusyError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const progress = progressReporter();
  try {
    await migrate(db);
    // No sockets here: clients of a running server (PostgreSQL) find the import event when they next catch up.
    const service = new ImportService(db, new ImportRepository(), new EventsRepository(db), openSource, () => {});
    const report = await service.importFile(args.file, {
      target,
      crs: args.crs,
      encoding: args.encoding,
      skipBad: args.skipBad,
      actor: `cli:${os.userInfo().username}`,
      fileName: path.basename(args.file),
      onProgress: progress.update,
    });
    progress.stop();
    printReport(args.file, report);
    return report.committed ? 0 : 1;
  } catch (err) {
    progress.stop();
    if (err instanceof SourceError || err instanceof AppError) {
      process.stderr.write(`${args.file}: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`import failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
