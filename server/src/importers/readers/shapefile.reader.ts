/**
 * A zipped Shapefile: the archive is checked and its .shp/.shx/.dbf/.prj/.cpg extracted to a temporary directory
 * (archive.ts), then read feature by feature with the `shapefile` package, streaming the .shp and .dbf.
 *
 * Text encoding of the .dbf: the option, else the .cpg, else the .dbf header's language driver (0x4D = GBK, as
 * ArcGIS writes for code page 936), else UTF-8 when the first 64 KB decode as UTF-8, else GBK. `shapefile` decodes with the text-encoding polyfill, which
 * knows GBK and GB18030.
 * CRS: the .prj wins over the option (crs.ts: WGS84 and CGCS2000, geographic or projected); no .prj → the option.
 */
import fs from 'node:fs';
import * as shapefile from 'shapefile';
import { extractShapefile, type ExtractedShapefile } from '../archive.js';
import { conversionFor, conversionFromPrj, UnknownCrsError, type CrsConversion } from '../crs.js';
import { SourceError, type ReadOptions, type Source, type SourceRecord } from '../source.js';
import { toRecord } from './geometry.js';
import { makeSource, tidyProperties } from './kit.js';

/** A TextDecoder label for a .cpg's content, or undefined when it names nothing we know. */
export function cpgLabel(cpg: string): string | undefined {
  const s = cpg.trim().toLowerCase().replace(/^ansi\s*/, '');
  if (/^(utf-?8|65001)$/.test(s)) return 'utf-8';
  if (/^(gbk|cp936|936|gb2312|windows-936|ms936)$/.test(s)) return 'gbk';
  if (/^(gb18030|54936)$/.test(s)) return 'gb18030';
  if (/^(big5|950|cp950)$/.test(s)) return 'big5';
  if (/^(iso-?8859-?1|latin1|1252|cp1252|windows-1252)$/.test(s)) return 'windows-1252';
  return undefined;
}

/** The .dbf header's language driver id, and whether its first 64 KB (field names, first records) are UTF-8. */
async function inspectDbf(dbf: string): Promise<{ ldid?: number; utf8: boolean }> {
  const fh = await fs.promises.open(dbf, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    // Only text is judged: the field names (11 bytes at the start of each 32-byte descriptor) and the records
    // after the header. Descriptor bytes such as a field width of 254 (0xFE) are not UTF-8 and must not count.
    const headerLength = bytesRead >= 32 ? buf.readUInt16LE(8) : 0;
    const text: Buffer[] = [];
    for (let off = 32; off + 32 <= Math.min(headerLength, bytesRead) && buf[off] !== 0x0d; off += 32) {
      const name = buf.subarray(off, off + 11);
      const nul = name.indexOf(0);
      text.push(nul >= 0 ? name.subarray(0, nul) : name, Buffer.from(' '));
    }
    if (headerLength < bytesRead) text.push(buf.subarray(headerLength, bytesRead));
    let utf8 = true;
    try {
      // stream: true tolerates a character cut at the end of the sample.
      new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(text), { stream: true });
    } catch {
      utf8 = false;
    }
    return { ldid: bytesRead >= 30 ? buf[29] : undefined, utf8 };
  } finally {
    await fh.close();
  }
}

async function encodingOf(extracted: ExtractedShapefile, options: ReadOptions): Promise<string> {
  if (options.encoding) return options.encoding === 'gbk' ? 'gbk' : 'utf-8';
  const cpg = extracted.parts['.cpg'];
  if (cpg) {
    const label = cpgLabel(await fs.promises.readFile(cpg, 'latin1'));
    if (label) return label;
  }
  const { ldid, utf8 } = await inspectDbf(extracted.parts['.dbf']!);
  if (ldid === 0x4d) return 'gbk';
  // No .cpg, no code page in the header: text that is not valid UTF-8 is, in a Chinese office, GBK.
  return utf8 ? 'utf-8' : 'gbk';
}

async function conversionOf(extracted: ExtractedShapefile, options: ReadOptions): Promise<CrsConversion> {
  const prj = extracted.parts['.prj'];
  if (!prj) return conversionFor(options.crs ?? 'wgs84');
  const wkt = (await fs.promises.readFile(prj, 'utf8')).trim();
  if (!wkt) return conversionFor(options.crs ?? 'wgs84');
  try {
    return conversionFromPrj(wkt);
  } catch (err) {
    if (err instanceof UnknownCrsError) throw new SourceError('unreadable', `${extracted.name}: ${err.message}`);
    throw err;
  }
}

export async function openShapefile(file: string, options: ReadOptions): Promise<Source> {
  const extracted = await extractShapefile(file);
  const removeDir = () => fs.promises.rm(extracted.dir, { recursive: true, force: true });
  let conversion: CrsConversion;
  let encoding: string;
  let total: number;
  try {
    conversion = await conversionOf(extracted, options);
    encoding = await encodingOf(extracted, options);
    total = (await fs.promises.stat(extracted.parts['.shp']!)).size;
  } catch (err) {
    await removeDir();
    throw err;
  }
  let shpStream: fs.ReadStream | undefined;
  let dbfStream: fs.ReadStream | undefined;

  async function* records(): AsyncGenerator<SourceRecord> {
    shpStream = fs.createReadStream(extracted.parts['.shp']!);
    dbfStream = fs.createReadStream(extracted.parts['.dbf']!);
    let source: shapefile.Source<GeoJSON.Feature>;
    try {
      source = await shapefile.open(shpStream, dbfStream, { encoding });
    } catch (err) {
      throw new SourceError('unreadable', `${extracted.name}: not a readable Shapefile (${(err as Error).message})`);
    }
    let row = 0;
    try {
      for (;;) {
        let next: { done: boolean; value: GeoJSON.Feature };
        try {
          next = await source.read();
        } catch (err) {
          throw new SourceError('unreadable', `${extracted.name}: broken Shapefile after feature ${row} (${(err as Error).message})`);
        }
        if (next.done) return;
        row += 1;
        const feature = next.value;
        const properties = tidyProperties(feature.properties as Record<string, unknown>);
        yield feature.geometry
          ? toRecord(row, feature.geometry, properties, conversion)
          : { row, geometry: null, properties, error: 'null shape (no geometry)' };
      }
    } finally {
      await source.cancel().catch(() => undefined);
    }
  }

  return makeSource({
    format: 'shapefile',
    crs: conversion.crs,
    progress: () => ({ read: shpStream?.bytesRead ?? 0, total }),
    records,
    cleanup: async () => {
      shpStream?.destroy();
      dbfStream?.destroy();
      await removeDir();
    },
  });
}
