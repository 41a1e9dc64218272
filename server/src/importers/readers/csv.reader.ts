/**
 * CSV with a header row, streamed with csv-parse. UTF-8 (a BOM is dropped) or GBK (decoded with iconv-lite).
 * Without an encoding option, a file whose first 64 KB are not valid UTF-8 is read as GBK (Excel on a Chinese
 * Windows saves "CSV" in GBK); the delimiter is sniffed from the header (comma, tab or semicolon).
 * Coordinates may be decimal degrees or DMS (113°42'30"E, 东经113度42分). Row = the data row's line in the file minus the header's, so 1 is the line after
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

/**
 * Looks at the first 64 KB: the encoding (when not given) and the delimiter of the header line (comma, else the
 * one of tab or semicolon that occurs more often: WPS and European Excel write those).
 */
async function sniff(file: string): Promise<{ encoding: ImportEncoding; delimiter: string }> {
  const fh = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const sample = buf.subarray(0, bytesRead);
    let encoding: ImportEncoding = 'utf8';
    try {
      // stream: true tolerates a character cut at the end of the sample.
      new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    } catch {
      encoding = 'gbk';
    }
    // Delimiters are ASCII, so counting them in the raw bytes works for GBK too.
    const firstLine = sample.subarray(0, sample.indexOf(0x0a) >= 0 ? sample.indexOf(0x0a) : sample.length).toString('latin1');
    const count = (c: string) => firstLine.split(c).length - 1;
    const delimiter = count(',') > 0 ? ',' : count('\t') >= count(';') && count('\t') > 0 ? '\t' : count(';') > 0 ? ';' : ',';
    return { encoding, delimiter };
  } finally {
    await fh.close();
  }
}

export async function openCsv(file: string, options: ReadOptions): Promise<Source> {
  const total = (await fs.promises.stat(file)).size;
  const sniffed = await sniff(file);
  const encoding = options.encoding ?? sniffed.encoding;
  const conversion = conversionFor(options.crs ?? 'wgs84');
  const input = fs.createReadStream(file);

  async function* records(): AsyncGenerator<SourceRecord> {
    const csv = parse({ bom: true, relax_column_count: true, relax_quotes: true, info: true, skip_empty_lines: false, delimiter: sniffed.delimiter });
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
