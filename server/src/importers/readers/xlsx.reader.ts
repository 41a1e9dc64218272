/**
 * XLSX: exceljs's streaming WorkbookReader, first worksheet only, first non-empty row = header, then the same
 * column rules as CSV (tabular.ts). Row = the sheet row number minus the header's (1 = the row below it).
 * An .xlsx is a zip, so its directory passes the same hostile-archive checks as a Shapefile's first (with room
 * for the many small parts a workbook has).
 * Memory stays bounded either way, but a workbook whose sheet precedes xl/sharedStrings.xml in the zip (exceljs
 * and GDAL write them so) is spooled by exceljs to a temporary file first, so its records start only once the
 * whole file is read (the reader's progress then jumps to the end at the first record).
 */
import fs from 'node:fs';
import { DEFAULT_LIMITS, inspectZip } from '../archive.js';
import { conversionFor } from '../crs.js';
import { SourceError, type ReadOptions, type Source, type SourceRecord } from '../source.js';
import { makeSource } from './kit.js';
import { findColumns, isBlank, rowToRecord, type TableColumns } from './tabular.js';

/** A cell's value as a plain string/number/boolean (formulas give their cached result, dates ISO text). */
export function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; result?: unknown; text?: unknown; error?: unknown; formula?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('');
    if ('result' in o) return cellValue(o.result);
    if (o.error !== undefined) return undefined;
    if (typeof o.text === 'string') return o.text;
    if ('formula' in o || 'sharedFormula' in o) return undefined;
  }
  return String(v);
}

/**
 * exceljs's one-pass streaming unzip sometimes parses a worksheet before xl/workbook.xml (exceljs#3064, a race seen
 * on Node ≥ 18) and fails on `this.model.sheets` before yielding any row; the same file reads fine the next time.
 * Such a read is started again from the file, at most MAX_READS times in all.
 */
const MAX_READS = 5;
const isWorkbookRace = (err: unknown) => err instanceof TypeError && err.message.includes("reading 'sheets'");

export async function openXlsx(file: string, options: ReadOptions): Promise<Source> {
  const total = (await fs.promises.stat(file)).size;
  await inspectZip(file, { ...DEFAULT_LIMITS, maxEntries: 1000 }).catch((err: unknown) => {
    if (err instanceof SourceError && err.code === 'unreadable') {
      throw new SourceError('unreadable', `not a readable .xlsx workbook (${err.message})`);
    }
    throw err;
  });
  const conversion = conversionFor(options.crs ?? 'wgs84');
  // Loaded on first use: exceljs is the heaviest module of the server (≈ 0.3–0.6 s at every start otherwise).
  const { default: ExcelJS } = await import('exceljs');
  let input = fs.createReadStream(file);

  async function* records(): AsyncGenerator<SourceRecord> {
    for (let read = 1; ; read++) {
      let rows = 0;
      try {
        for await (const record of readOnce()) {
          rows += 1;
          yield record;
        }
        return;
      } catch (err) {
        if (rows > 0 || !isWorkbookRace(err)) throw err;
        if (read >= MAX_READS) throw new SourceError('unreadable', `not a readable .xlsx workbook: ${(err as Error).message}`);
        input.destroy();
        input = fs.createReadStream(file);
      }
    }
  }

  async function* readOnce(): AsyncGenerator<SourceRecord> {
    const workbook = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      entries: 'ignore',
    });
    let columns: TableColumns | undefined;
    let headerRow = 0;
    let sheets = 0;
    try {
      for await (const sheet of workbook) {
        sheets += 1;
        for await (const row of sheet) {
          // row.values is 1-based and sparse: index 0 is unused.
          const cells = (row.values as unknown[]).slice(1).map(cellValue);
          if (isBlank(cells)) continue;
          if (!columns) {
            columns = findColumns(cells);
            headerRow = row.number;
            continue;
          }
          yield rowToRecord(row.number - headerRow, cells, columns, conversion);
        }
        break; // first worksheet only
      }
      if (sheets === 0) throw new SourceError('unreadable', 'the workbook has no worksheet');
      if (!columns) throw new SourceError('unreadable', 'the first worksheet is empty (no header row)');
    } catch (err) {
      if (err instanceof SourceError || isWorkbookRace(err)) throw err;
      throw new SourceError('unreadable', `not a readable .xlsx workbook: ${(err as Error).message}`);
    } finally {
      input.destroy();
    }
  }

  return makeSource({
    format: 'xlsx',
    crs: conversion.crs,
    progress: () => ({ read: input.bytesRead, total }),
    records,
    cleanup: () => {
      input.destroy();
    },
  });
}
