/**
 * Rows of a table (CSV, XLSX) → point records: the longitude and latitude columns are found by header name,
 * every other non-empty cell becomes a property under its header.
 */
import type { CrsConversion } from '../crs.js';
import { SourceError, type SourceRecord } from '../source.js';
import { toRecord } from './geometry.js';

const LON_NAMES = ['lon', 'lng', 'long', 'longitude', 'x', '经度', '东经'];
const LAT_NAMES = ['lat', 'latitude', 'y', '纬度', '北纬'];

/** Header text normalised for matching: trimmed, lower case, without a bracketed note ("经度（GCJ-02）"). */
function norm(header: string): string {
  return header
    .replace(/[（(［[].*?[）)］\]]/g, '')
    .trim()
    .toLowerCase();
}

export interface TableColumns {
  lon: number;
  lat: number;
  /** Property name of every column (index = column), '' for a column left out. */
  names: string[];
}

/** Finds the coordinate columns; the whole file is refused when there are none. */
export function findColumns(header: unknown[]): TableColumns {
  const names = header.map((h) => (h === null || h === undefined ? '' : String(h).trim()));
  const find = (candidates: string[]) => names.findIndex((n) => candidates.includes(norm(n)));
  const lon = find(LON_NAMES);
  const lat = find(LAT_NAMES);
  if (lon < 0 || lat < 0) {
    throw new SourceError(
      'unreadable',
      `no ${lon < 0 ? 'longitude' : 'latitude'} column in the header (${names.filter(Boolean).join(', ') || 'empty'}); ` +
        `name it one of ${(lon < 0 ? LON_NAMES : LAT_NAMES).join(', ')}`,
    );
  }
  const seen = new Set<string>();
  const props = names.map((n, i) => {
    if (i === lon || i === lat || !n || seen.has(n)) return '';
    seen.add(n);
    return n;
  });
  return { lon, lat, names: props };
}

/**
 * Degrees–minutes–seconds as surveyors and older ledgers write them: 113°42'30.5"E, 113度42分30.5秒, 东经113°42′,
 * N34.8°. Returns decimal degrees (negative for S/W), or undefined when the text is not DMS.
 */
export function parseDms(text: string): number | undefined {
  const m = /^([NSEW东西南北]|东经|西经|南纬|北纬)?\s*(\d+(?:\.\d+)?)\s*[°度]\s*(?:(\d+(?:\.\d+)?)\s*['′’分])?\s*(?:(\d+(?:\.\d+)?)\s*(?:["″”秒]|''|′′))?\s*([NSEW东西南北])?$/i.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const [, pre, d, mi, se, post] = m;
  const minutes = mi === undefined ? 0 : Number(mi);
  const seconds = se === undefined ? 0 : Number(se);
  if (minutes >= 60 || seconds >= 60) return undefined;
  const hemisphere = (pre ?? post ?? '').toUpperCase();
  const sign = /^[SW西南]/.test(hemisphere) ? -1 : 1;
  return sign * (Number(d) + minutes / 60 + seconds / 3600);
}

function coordinate(value: unknown, what: string): { value?: number; error?: string } {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    return { error: `missing ${what}` };
  }
  let n = typeof value === 'number' ? value : Number(String(value).trim());
  if (typeof value === 'string' && !Number.isFinite(n)) n = parseDms(value) ?? NaN;
  if (!Number.isFinite(n)) return { error: `${what} ${JSON.stringify(value)} is not a number` };
  return { value: n };
}

/** One data row → a record (geometry null and `error` set when its coordinates are unusable). */
export function rowToRecord(row: number, cells: unknown[], columns: TableColumns, conversion: CrsConversion): SourceRecord {
  const properties: Record<string, unknown> = {};
  columns.names.forEach((name, i) => {
    if (!name) return;
    const v = cells[i];
    if (v === null || v === undefined) return;
    if (typeof v === 'string') {
      const t = v.trim();
      if (t !== '') properties[name] = t;
    } else properties[name] = v;
  });
  const lon = coordinate(cells[columns.lon], 'longitude');
  const lat = coordinate(cells[columns.lat], 'latitude');
  const error = lon.error ?? lat.error;
  if (error) return { row, geometry: null, properties, error };
  return toRecord(row, { type: 'Point', coordinates: [lon.value!, lat.value!] }, properties, conversion);
}

/** True when every cell is empty (a blank line or a formatted but empty spreadsheet row). */
export function isBlank(cells: unknown[]): boolean {
  return cells.every((c) => c === null || c === undefined || (typeof c === 'string' && c.trim() === ''));
}
