/**
 * Words for the point layers: layer names, statuses, attribute names and coded values in the UI language, and
 * the order in which a point's attributes are shown. Codes the catalogue does not know are shown as they are
 * (a new status from the server must still be readable, if not translated).
 */
import type { LayerName } from '$contract/layers';
import { i18n, t } from '../../lib/i18n/i18n.svelte';
import { isMessageKey as known } from '../../lib/i18n/labels';

export { statusLabel } from '../../lib/i18n/labels';

export const layerLabel = (layer: LayerName): string => t(`leader2.layer.${layer}`);

export function attrLabel(prop: string): string {
  const key = `leader2.attr.${prop}`;
  return known(key) ? t(key) : prop;
}

/** Name of a layer's filter attribute (kind, tier, severity …) in the layer panel. */
export function filterLabel(prop: string): string {
  const key = `leader2.filter.${prop}`;
  return known(key) ? t(key) : attrLabel(prop);
}

export function valueLabel(prop: string, value: string): string {
  const key = `leader2.value.${prop}.${value}`;
  return known(key) ? t(key) : value;
}

/** Layer-specific attributes of the detail card, in reading order (server/src/layers/layers.model.ts). */
export const DETAIL_ATTRIBUTES: Record<LayerName, readonly string[]> = {
  compounds: ['kind', 'propertyService', 'fourInOne', 'renovation'],
  'service-centres': ['level', 'tier', 'fundsWan', 'peopleServed', 'rooms'],
  projects: ['type', 'progress', 'investmentWan', 'tempBranchId'],
  'temp-branches': ['origin', 'secretary', 'members', 'foundedAt', 'dissolvedAt', 'projectId', 'compoundId'],
  disputes: ['category', 'severity', 'mediationLevel', 'reportedAt', 'deadline', 'participants'],
  'member-units': ['kind', 'committee'],
  'micro-wishes': ['category', 'requester', 'claimedByName', 'claimedAt', 'fulfilledAt'],
};

/** Attributes whose values are codes with a catalogue entry under `leader2.value.<prop>.`. */
const CODED = new Set(['kind', 'propertyService', 'renovation', 'level', 'tier', 'type', 'origin', 'category', 'severity', 'mediationLevel', 'participants', 'committee']);
const DATE_TIMES = new Set(['reportedAt', 'deadline', 'updatedAt', 'claimedAt', 'fulfilledAt']);
const DATES = new Set(['foundedAt', 'dissolvedAt']);

let formats: { locale: string; dateTime: Intl.DateTimeFormat; date: Intl.DateTimeFormat } | null = null;
function formatters() {
  if (formats?.locale !== i18n.locale) {
    formats = {
      locale: i18n.locale,
      dateTime: new Intl.DateTimeFormat(i18n.locale, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }),
      date: new Intl.DateTimeFormat(i18n.locale, { year: 'numeric', month: '2-digit', day: '2-digit' }),
    };
  }
  return formats;
}

export function formatDateTime(value: string | number | Date): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : formatters().dateTime.format(d);
}

export function formatDate(value: string | number | Date): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : formatters().date.format(d);
}

/** One attribute value as text; '—' for nothing. */
export function formatValue(prop: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.map((v) => formatValue(prop, v)).join('、') : '—';
  if (typeof value === 'boolean') return t(value ? 'leader2.value.yes' : 'leader2.value.no');
  if (prop === 'fundsWan' || prop === 'investmentWan') return t('leader2.unit.wan', { n: Number(value) });
  if (prop === 'progress') return t('leader2.unit.percent', { n: Number(value) });
  if (DATE_TIMES.has(prop)) return formatDateTime(String(value));
  if (DATES.has(prop)) return formatDate(String(value));
  if (typeof value === 'number') return i18n.number(value);
  if (CODED.has(prop)) return valueLabel(prop, String(value));
  return String(value);
}
