/**
 * `openSource(file, options)`: picks the reader by the file's extension and returns a Source of WGS84 records.
 * Uploads arrive here as temporary files (a zip needs random access); the name's extension decides the format.
 */
import path from 'node:path';
import type { ImportFormat } from '../../contract/imports.js';
import { SourceError, type OpenSource, type ReadOptions, type Source } from '../source.js';
import { openCsv } from './csv.reader.js';
import { openGeojson } from './geojson.reader.js';
import { openKml } from './kml.reader.js';
import { openShapefile } from './shapefile.reader.js';
import { openXlsx } from './xlsx.reader.js';

const READERS: Record<string, { format: ImportFormat; open: (file: string, options: ReadOptions) => Promise<Source> }> = {
  '.geojson': { format: 'geojson', open: openGeojson },
  '.json': { format: 'geojson', open: openGeojson },
  '.zip': { format: 'shapefile', open: openShapefile },
  '.kml': { format: 'kml', open: openKml },
  '.csv': { format: 'csv', open: openCsv },
  '.xlsx': { format: 'xlsx', open: openXlsx },
};

/** The format a file name stands for, or undefined (the service can check a name before storing an upload). */
export function formatOf(fileName: string): ImportFormat | undefined {
  return READERS[path.extname(fileName).toLowerCase()]?.format;
}

export const openSource: OpenSource = async (file, options = {}) => {
  const ext = path.extname(file).toLowerCase();
  const reader = READERS[ext];
  if (!reader) {
    throw new SourceError(
      'unsupported_format',
      `unsupported file type "${ext || path.basename(file)}": use .geojson/.json, .zip (Shapefile), .kml, .csv or .xlsx`,
    );
  }
  return reader.open(file, options);
};
