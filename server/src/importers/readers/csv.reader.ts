/**
 * CSV with a header row, streamed with csv-parse. UTF-8 (a BOM is dropped) or GBK (decoded with iconv-lite).
 * Without an encoding option, a file whose first 64 KB are not valid UTF-8 is read as GBK (Excel on a Chinese
 * Windows saves "CSV" in GBK). Row = the data row's line in the file minus the header's, so 1 is the line after
 * the header and blank lines keep the numbering a spreadsheet user sees.
 */
import fs from 'node:fs';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import type { ImportEncoding } from '../../contract/imports.js';
import { conversionFor } from '../crs.js';
import { SourceError, type ReadOptions, type Source, type SourceRecord } from '../source.js';
import { makeSource } from './kit.js';
import { findColumns, isBlank, rowToRecord, type TableColumns } from './tabular.js';

async function sniffEncoding(file: string): Promise<ImportEncoding> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    try {
      // stream: true tolerates a character cut at the end of the sample.
      new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, bytesRead), { stream: true });
      return 'utf8';
    } catch {
      return 'gbk';
    }
  } finally {
    await fh.close();
  }
}

export async function openCsv(file: string, options: ReadOptions): Promise<Source> {
  const total = (await fs.promises.stat(file)).size;
  const encoding = options.encoding ?? (await sniffEncoding(file));
  const conversion = conversionFor(options.crs ?? 'wgs84');
  const input = fs.createReadStream(file);

  async function* records(): AsyncGenerator<SourceRecord> {
    const csv = parse({ bom: true, relax_column_count: true, info: true, skip_empty_lines: false });
    const decoded: NodeJS.ReadableStream = encoding === 'gbk' ? input.pipe(iconv.decodeStream('gbk')) : input;
    decoded.on('error', (err: Error) => csv.destroy(err));
    decoded.pipe(csv);
    let columns: TableColumns | undefined;
    let headerLine = 0;
    try {
      for await (const { record, info } of csv as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
        if (!columns) {
          if (isBlank(record)) continue;
          columns = findColumns(record);
          headerLine = info.lines;
          continue;
        }
        if (isBlank(record)) continue;
        yield rowToRecord(info.lines - headerLine, record, columns, conversion);
      }
      if (!columns) throw new SourceError('unreadable', 'the CSV file is empty (no header row)');
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError('unreadable', `invalid CSV: ${(err as Error).message}`);
    } finally {
      csv.destroy();
      input.destroy();
    }
  }

  return makeSource({
    format: 'csv',
    crs: conversion.crs,
    progress: () => ({ read: input.bytesRead, total }),
    records,
    cleanup: () => {
      input.destroy();
    },
  });
}
