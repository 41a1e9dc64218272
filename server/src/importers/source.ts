/**
 * The seam between the format readers (readers/) and the import service: a reader turns a file into a stream of
 * numbered records in WGS84, or numbered errors, without loading the whole file (100,000 points stream).
 */
import type { ImportCrs, ImportEncoding, ImportFormat } from '../contract/imports.js';

export interface SourceRecord {
  /** 1-based feature number (GeoJSON, KML, Shapefile) or data row number after the header (CSV, XLSX). */
  row: number;
  /** GeoJSON geometry already converted to WGS84; null when the row has none (a reason is then in `error`). */
  geometry: GeoJSON.Geometry | null;
  /** Attributes as read (strings, numbers, booleans), keys as in the file (may be Chinese). */
  properties: Record<string, unknown>;
  /** Set when the reader could not make sense of this row (bad coordinates, missing lon/lat …). */
  error?: string;
}

export interface ReadOptions {
  /** The CRS of the input when the file does not say (a Shapefile .prj overrides it). Default wgs84. */
  crs?: ImportCrs;
  /** Text encoding of a .dbf or CSV. Default: a .cpg says, else utf8. */
  encoding?: ImportEncoding;
}

export interface Source {
  format: ImportFormat;
  /** The CRS the records were read in, before conversion to WGS84. */
  crs: ImportCrs;
  records: AsyncIterable<SourceRecord>;
  /** Bytes of the input consumed so far and in all (for progress bars); total may be unknown. */
  progress(): { read: number; total?: number };
  /**
   * Releases open files and temporary files (an extracted Shapefile). Runs by itself when `records` ends, throws
   * or the loop breaks; call it when the records may never be iterated. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * An input refused as a whole (hostile archive, unknown format, unreadable file): a 4xx, nothing written.
 * Thrown by `openSource`, and also while iterating `records` when the problem shows only mid-file (a JSON syntax
 * error after the first features, a CSV with a broken quote).
 */
export class SourceError extends Error {
  constructor(
    readonly code: 'unsupported_format' | 'hostile_archive' | 'unreadable' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Implemented by readers/index.ts: `openSource(file, options)` picks the reader by the file's extension
 * (.geojson/.json, .zip = Shapefile, .kml, .csv, .xlsx) and, for a zip, checks the archive before reading it.
 * Uploads are streamed to a temporary file first (a zip needs random access).
 */
export type OpenSource = (file: string, options?: ReadOptions) => Promise<Source>;
