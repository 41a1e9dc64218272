/** Wire types of imports (POST /api/imports and `npm run import`). Shared by server and client. */
import type { LayerName } from './layers.js';
import type { RegionLevel } from './regions.js';

export const IMPORT_FORMATS = ['geojson', 'shapefile', 'kml', 'csv', 'xlsx'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Coordinate systems accepted on input; everything is stored in WGS84 (EPSG:4326). */
export const IMPORT_CRS = ['wgs84', 'gcj02', 'bd09', 'cgcs2000'] as const;
export type ImportCrs = (typeof IMPORT_CRS)[number];

export const IMPORT_ENCODINGS = ['utf8', 'gbk'] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** What is imported: a point layer, or one level of region boundaries (replaces that level). */
export type ImportTarget = { layer: LayerName } | { layer: 'regions'; level: Exclude<RegionLevel, 'district'> };

/** One rejected row: its 1-based row (CSV/XLSX, after the header) or feature number, and why. */
export interface BadRow {
  row: number;
  reason: string;
}

/** The answer of an import, committed or not. */
export interface ImportReport {
  layer: LayerName | 'regions';
  level?: RegionLevel;
  format: ImportFormat;
  /** The CRS the input was read in (a Shapefile's .prj wins over the default). */
  crs: ImportCrs;
  /** Rows or features read. */
  total: number;
  /** Written (0 when rejected). */
  imported: number;
  /** Of `imported`, point-layer rows inserted as new features, and rows whose `id` existed and updated it. */
  created?: number;
  updated?: number;
  /** Bad rows left out under skip-bad. */
  skipped: number;
  /** Bad rows, in row order. POST /api/imports lists at most the first 1,000; `badCount` counts them all. */
  bad: BadRow[];
  badCount: number;
  committed: boolean;
  /** Seq of the import's event when committed. */
  seq?: number;
  /** Boundary import: regions of the level that were replaced, and regions of deeper levels removed with them. */
  removed?: number;
  removedDeeper?: number;
  /** Points re-assigned to regions after a boundary import (those whose region changed). */
  reassigned?: number;
}

/** Most bad rows one HTTP answer lists (all of them are counted in `badCount`). */
export const MAX_LISTED_BAD_ROWS = 1_000;
