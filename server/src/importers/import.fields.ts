/**
 * From the attributes of a file (keys as the file spells them, often Chinese; values as read: strings from CSV,
 * numbers and dates from XLSX, anything from GeoJSON) to the wire properties of a layer or a region, with a reason
 * for every value that cannot be stored. Pure functions: the geometry is checked later, in PostGIS.
 */
import { TRANSITIONS, type LayerName } from '../contract/layers.js';
import type { RegionLevel } from '../contract/regions.js';
import { COMMON_HEADERS, LAYER_HEADERS, STATUS_LABELS, VALUE_LABELS } from '../export/export.labels.js';
import { LAYER_MODELS, type LayerColumn } from '../layers/layers.model.js';
import { CODE_LENGTH } from '../regions/regions.service.js';

/** Wire properties of one row, ready for the staging table, and what is wrong with them. */
export interface MappedRow {
  props: Record<string, unknown>;
  errors: string[];
}

/** Geometry types a target takes (GeometryType() spelling). Projects may be sites or areas (migrations/002). */
export function geometryTypes(layer: LayerName | 'regions'): string[] {
  if (layer === 'regions') return ['POLYGON', 'MULTIPOLYGON'];
  if (layer === 'projects') return ['POINT', 'POLYGON', 'MULTIPOLYGON'];
  return ['POINT'];
}

/** The status a row without one starts in: the first of its layer's workflow (contract/layers.ts). */
export const initialStatus = (layer: LayerName): string => Object.keys(TRANSITIONS[layer])[0];

/** Header spellings seen in the wild besides the wire name, the column name and the export's Chinese header. */
const EXTRA_ALIASES: Record<string, string[]> = {
  id: ['ID', '编码', '序号编码'],
  name: ['名字', '标题', '单位名称', '楼院名称', '项目名称', '支部名称', '中心名称', '事件名称'],
  status: ['当前状态'],
  kind: ['类型'],
  type: ['类型'],
  level: ['级别'],
  tier: ['档次'],
  category: ['纠纷类别', '纠纷类型'],
  secretary: ['支部书记'],
  members: ['党员人数'],
};

const normKey = (k: string) => k.trim().toLowerCase().replace(/[\s_\-()（）%]/g, '');

/** A lookup from any accepted spelling of a header to the wire property. */
function aliasMap(entries: [prop: string, aliases: (string | undefined)[]][]): Map<string, string> {
  const map = new Map<string, string>();
  for (const [prop, aliases] of entries) {
    for (const a of [prop, ...aliases]) if (a && !map.has(normKey(a))) map.set(normKey(a), prop);
  }
  return map;
}

/** Unit suffixes of exported headers ("投资(万元)") are dropped before matching, so "投资" matches too. */
const stripUnit = (h: string) => h.replace(/[(（][^)）]*[)）]$/, '');

const layerAliases = new Map<LayerName, Map<string, string>>();
function aliasesOf(layer: LayerName): Map<string, string> {
  let map = layerAliases.get(layer);
  if (!map) {
    const common = ['id', 'name', 'status'].map((p): [string, (string | undefined)[]] => [p, [COMMON_HEADERS[p], ...(EXTRA_ALIASES[p] ?? [])]]);
    const own = LAYER_MODELS[layer].columns.map((c): [string, (string | undefined)[]] => {
      const zh = LAYER_HEADERS[layer][c.prop];
      return [c.prop, [c.column, zh, zh && stripUnit(zh), ...(EXTRA_ALIASES[c.prop] ?? [])]];
    });
    map = aliasMap([...common, ...own]);
    layerAliases.set(layer, map);
  }
  return map;
}

const REGION_ALIASES = aliasMap([
  ['code', ['区划代码', '区域代码', '代码', '编码', '编号', 'adcode']],
  ['name', ['名称', '名字', '区域名称']],
  ['parentCode', ['parent_code', 'parent', '上级代码', '上级编码', '上级区域代码']],
  ['level', ['层级', '级别']],
  ['starRating', ['star_rating', '星级']],
  ['partyOrg', ['party_org']],
  ['facts', []],
]);

/** Keys of the file → wire properties; a property given twice (e.g. both `name` and `名称`) keeps the first. */
function rename(properties: Record<string, unknown>, aliases: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) {
    const prop = aliases.get(normKey(key)) ?? aliases.get(normKey(stripUnit(key)));
    if (prop && !(prop in out) && !isBlank(value)) out[prop] = value;
  }
  return out;
}

const isBlank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** A value's own label ('无主管楼院') or the value itself ('unmanaged'), checked against the allowed set. */
function coded(prop: string, raw: unknown, allowed: readonly string[], labels: Record<string, string> = {}): [string | undefined, string?] {
  const text = String(raw).trim();
  if (allowed.includes(text)) return [text];
  const byLabel = Object.entries(labels).find(([value, label]) => label === text && allowed.includes(value));
  if (byLabel) return [byLabel[0]];
  const lower = text.toLowerCase();
  if (allowed.includes(lower)) return [lower];
  return [undefined, `unknown ${prop} "${clip(text)}" (allowed: ${allowed.map((v) => (labels[v] ? `${v} ${labels[v]}` : v)).join(', ')})`];
}

const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

const TRUE = new Set(['true', '1', 'yes', 'y', '是', '有', 't']);
const FALSE = new Set(['false', '0', 'no', 'n', '否', '无', 'f']);
const DAY_MS = 86_400_000;
/** Excel day 0 (serial dates of XLSX cells that were read as plain numbers). */
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

function toNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(raw)) return Number(raw);
  return undefined;
}

/** YYYY-MM-DD of a date cell, a serial day number, or a string such as 2024-05-01, 2024/5/1, 2024.5.1, 2024年5月1日. */
function toDate(raw: unknown): string | undefined {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.toISOString().slice(0, 10);
  if (typeof raw === 'number') return Number.isFinite(raw) && raw > 0 && raw < 2_958_466 ? new Date(EXCEL_EPOCH + Math.floor(raw) * DAY_MS).toISOString().slice(0, 10) : undefined;
  const m = /^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$/.exec(String(raw));
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d ? date.toISOString().slice(0, 10) : undefined;
}

/**
 * An instant as ISO-8601. A time without a zone is Beijing time (UTC+8, no daylight saving): that is what a
 * clerk in Zhengzhou means by "2024-05-01 09:30". A date alone is midnight Beijing time.
 */
function toTimestamp(raw: unknown): string | undefined {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? undefined : raw.toISOString();
  if (typeof raw === 'number') return toDate(raw) && new Date(EXCEL_EPOCH + raw * DAY_MS - 8 * 3_600_000).toISOString();
  const text = String(raw).trim();
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return undefined;
  const day = toDate(`${m[1]}-${m[2]}-${m[3]}`);
  if (!day) return undefined;
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (h > 23 || mi > 59 || s > 59) return undefined;
  const zone = m[8] ? (m[8].toUpperCase() === 'Z' ? 'Z' : m[8].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : '+08:00';
  const pad = (n: number) => String(n).padStart(2, '0');
  const at = new Date(`${day}T${pad(h)}:${pad(mi)}:${pad(s)}${m[7] ?? ''}${zone}`);
  return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
}

const LIST_SEPARATORS = /[,，、;；|]/;
const INT4_MAX = 2_147_483_647;

/** One value of a layer column, typed for SQL; or why it cannot be. */
function columnValue(c: LayerColumn, raw: unknown): [unknown, string?] {
  const labels = VALUE_LABELS[c.prop];
  switch (c.sql) {
    case 'text': {
      if (typeof raw === 'object') return [undefined, `${c.prop} must be text`];
      if (c.values) return coded(c.prop, raw, c.values, labels);
      const text = String(raw).trim();
      return text.length > 500 ? [undefined, `${c.prop} is longer than 500 characters`] : [text];
    }
    case 'integer':
    case 'numeric': {
      const n = toNumber(raw);
      const what = c.sql === 'integer' ? 'a whole number' : 'a number';
      if (n === undefined || !Number.isFinite(n) || (c.sql === 'integer' && (!Number.isInteger(n) || Math.abs(n) > INT4_MAX))) {
        return [undefined, `${c.prop} "${clip(String(raw))}" is not ${what}`];
      }
      if ((c.min !== undefined && n < c.min) || (c.max !== undefined && n > c.max)) {
        return [undefined, `${c.prop} ${n} is out of range (${c.min ?? '−∞'}…${c.max ?? '∞'})`];
      }
      return [n];
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return [raw];
      const text = String(raw).trim().toLowerCase();
      if (TRUE.has(text)) return [true];
      if (FALSE.has(text)) return [false];
      return [undefined, `${c.prop} "${clip(String(raw))}" is not yes/no (true/false, 是/否)`];
    }
    case 'date': {
      const d = toDate(raw);
      return d ? [d] : [undefined, `${c.prop} "${clip(String(raw))}" is not a date (YYYY-MM-DD)`];
    }
    case 'timestamptz': {
      const t = toTimestamp(raw);
      return t ? [t] : [undefined, `${c.prop} "${clip(String(raw))}" is not a date and time (YYYY-MM-DD HH:MM)`];
    }
    case 'text[]': {
      const items = (Array.isArray(raw) ? raw : String(raw).split(LIST_SEPARATORS)).map((v) => String(v).trim()).filter(Boolean);
      // Coded lists (participants) accept their Chinese labels; they have no CHECK domain, so other values pass.
      return [items.map((v) => (labels ? (Object.entries(labels).find(([, label]) => label === v)?.[0] ?? v) : v))];
    }
  }
}

/** Rules across columns (the CHECK constraints of migrations/002 that involve two columns). */
function crossChecks(layer: LayerName, p: Record<string, unknown>): string[] {
  if (layer === 'service-centres' && p.level && p.tier && (p.level === 'street') !== (p.tier === 'street')) {
    return ['a street-level centre has tier "street", and only it'];
  }
  if (layer === 'temp-branches' && p.origin) {
    const errors: string[] = [];
    if ((p.origin === 'project') !== (p.projectId !== undefined)) errors.push('origin "project" needs a projectId, and only it');
    if ((p.origin === 'compound') !== (p.compoundId !== undefined)) errors.push('origin "compound" needs a compoundId, and only it');
    return errors;
  }
  return [];
}

/** The properties of a point-layer row, typed, with their problems. */
export function mapLayerRow(layer: LayerName, properties: Record<string, unknown>): MappedRow {
  const input = rename(properties, aliasesOf(layer));
  const props: Record<string, unknown> = {};
  const errors: string[] = [];
  if (input.id !== undefined) {
    const id = String(input.id).trim();
    if (id.length > 100 || typeof input.id === 'object') errors.push('id must be text of at most 100 characters');
    else props.id = id;
  }
  if (input.name === undefined) errors.push(`missing name (${COMMON_HEADERS.name})`);
  else if (typeof input.name === 'object' || String(input.name).trim().length > 200) errors.push('name must be text of at most 200 characters');
  else props.name = String(input.name).trim();
  if (input.status !== undefined) {
    const [status, error] = coded('status', input.status, Object.keys(TRANSITIONS[layer]), STATUS_LABELS[layer]);
    if (error) errors.push(error);
    else props.status = status;
  }
  for (const c of LAYER_MODELS[layer].columns) {
    const raw = input[c.prop];
    if (raw === undefined) {
      if (c.required) errors.push(`missing ${c.prop} (${LAYER_HEADERS[layer][c.prop] ?? c.column})`);
      continue;
    }
    const [value, error] = columnValue(c, raw);
    if (error) errors.push(error);
    else props[c.prop] = value;
  }
  if (!errors.length) errors.push(...crossChecks(layer, props));
  return { props, errors };
}

/** The properties of a region row of one level: code (its length gives the level), name, parent (the code's prefix). */
export function mapRegionRow(level: Exclude<RegionLevel, 'district'>, properties: Record<string, unknown>): MappedRow {
  const input = rename(properties, REGION_ALIASES);
  const props: Record<string, unknown> = {};
  const errors: string[] = [];
  const length = CODE_LENGTH[level];
  const code = input.code === undefined ? undefined : String(input.code).trim();
  if (code === undefined) errors.push('missing code (区划代码)');
  else if (!/^\d+$/.test(code) || code.length !== length) errors.push(`code "${clip(code)}" is not a ${level} code (${length} digits)`);
  else props.code = code;
  if (input.name === undefined) errors.push('missing name (名称)');
  else if (typeof input.name === 'object' || String(input.name).trim().length > 200) errors.push('name must be text of at most 200 characters');
  else props.name = String(input.name).trim();
  if (input.level !== undefined && String(input.level).trim() !== level) errors.push(`level "${clip(String(input.level))}" is not ${level}`);
  if (props.code) {
    // Codes are hierarchical (API.md): the parent is the prefix, whatever a parent column says.
    const parent = (props.code as string).slice(0, Object.values(CODE_LENGTH).filter((n) => n < length).at(-1));
    if (input.parentCode !== undefined && String(input.parentCode).trim() !== parent) {
      errors.push(`parentCode "${clip(String(input.parentCode))}" is not the prefix of code ${props.code as string}`);
    }
    props.parentCode = parent;
  }
  if (input.starRating !== undefined) {
    const n = toNumber(input.starRating);
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > 5) errors.push(`starRating "${clip(String(input.starRating))}" is not 1–5`);
    else props.starRating = n;
  }
  for (const key of ['partyOrg', 'facts'] as const) {
    const raw = typeof input[key] === 'string' ? tryJson(input[key] as string) : input[key];
    if (raw !== undefined && raw !== null && typeof raw === 'object' && !Array.isArray(raw)) props[key] = raw;
  }
  return { props, errors };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
