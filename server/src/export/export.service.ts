import { stringify } from 'csv-stringify/sync';
import type { SessionUser } from '../contract/auth.js';
import type { LayerName } from '../contract/layers.js';
import type { LayersService } from '../layers/layers.service.js';
import { COMMON_HEADERS, LAYER_HEADERS, LAYER_TITLES, STATUS_LABELS, VALUE_LABELS } from './export.labels.js';

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportFile {
  filename: string;
  contentType: string;
  body: Buffer | string;
}

/** A layer's features in a region as a table: CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX. */
export class ExportService {
  constructor(private readonly layers: LayersService) {}

  async export(user: SessionUser, layerName: string, regionCode: string, format: ExportFormat): Promise<ExportFile> {
    const layer = this.layers.requireLayer(layerName);
    const fc = JSON.parse(await this.layers.listJson(user, layer, { regionCode })) as GeoJSON.FeatureCollection<GeoJSON.Geometry>;
    const keys = [...Object.keys(COMMON_HEADERS).filter((k) => k !== 'regionName'), ...Object.keys(LAYER_HEADERS[layer])];
    const headers = keys.map((k) => COMMON_HEADERS[k] ?? LAYER_HEADERS[layer][k]);
    const labels = { ...VALUE_LABELS, status: STATUS_LABELS[layer] };
    const rows = fc.features.map((f) => keys.map((k) => cell(f, k, labels)));
    const base = `${LAYER_TITLES[layer]}-${regionCode}`;
    if (format === 'csv') {
      return { filename: `${base}.csv`, contentType: 'text/csv; charset=utf-8', body: '\uFEFF' + stringify([headers, ...rows]) };
    }
    return { filename: `${base}.xlsx`, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', body: await xlsx(layer, headers, rows) };
  }
}

function cell(f: GeoJSON.Feature<GeoJSON.Geometry>, key: string, labels: Record<string, Record<string, string>>): string | number | boolean | null {
  const point = f.geometry.type === 'Point' ? f.geometry.coordinates : undefined;
  if (key === 'lon') return point?.[0] ?? null;
  if (key === 'lat') return point?.[1] ?? null;
  const v = f.properties?.[key];
  const label = (x: unknown) => (typeof x === 'boolean' ? (x ? '是' : '否') : (labels[key]?.[String(x)] ?? x));
  return Array.isArray(v) ? v.map(label).join('、') : ((label(v) as string | number | null) ?? null);
}

async function xlsx(layer: LayerName, headers: string[], rows: unknown[][]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs'); // loaded on first use: heavy, and not needed at start
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(LAYER_TITLES[layer], { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.addRow(headers).font = { bold: true };
  sheet.addRows(rows);
  sheet.columns.forEach((c) => (c.width = 16));
  return Buffer.from(await book.xlsx.writeBuffer());
}
