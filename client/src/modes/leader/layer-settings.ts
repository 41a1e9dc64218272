/**
 * Which point layers the leader map shows and how they are filtered: by status and by one attribute per layer
 * (kind, tier, severity …). Plain functions with no runes, so the e2e test can apply the same predicate to API
 * data to know where points are drawn.
 *
 * Filters apply in the client: each layer is fetched whole for the region once, so toggling a status is instant
 * and a live change can move a point into or out of the filter without another request.
 */
import { LAYERS, OPEN_DISPUTE_STATUSES, TRANSITIONS, WISH_CATEGORIES, type LayerName } from '$contract/layers';
import { STORAGE_KEYS } from '../../lib/state/storage-keys';

export interface LayerFilter {
  enabled: boolean;
  /** Statuses shown; null = all. */
  statuses: string[] | null;
  /** Values of the layer's filter attribute shown (FILTER_ATTRIBUTE); null = all. */
  values: string[] | null;
}

export type LayerSettings = Record<LayerName, LayerFilter>;

/** The one attribute each layer can be filtered by, with its values in display order. */
export const FILTER_ATTRIBUTE: Record<LayerName, { prop: string; values: readonly string[] }> = {
  compounds: { prop: 'kind', values: ['unmanaged', 'unit_owned', 'commercial'] },
  'service-centres': { prop: 'tier', values: ['street', '1000', '500'] },
  projects: { prop: 'type', values: ['old_compound_renovation', 'back_street', 'urban_village', 'property_management'] },
  'temp-branches': { prop: 'origin', values: ['project', 'compound'] },
  disputes: { prop: 'severity', values: ['high', 'medium', 'low'] },
  'member-units': { prop: 'kind', values: ['enterprise', 'institution', 'non_public', 'market'] },
  'micro-wishes': { prop: 'category', values: WISH_CATEGORIES },
};

/** Statuses of a layer in workflow order (the keys of its transition table). */
export const layerStatuses = (layer: LayerName): string[] => Object.keys(TRANSITIONS[layer]);

/**
 * First visit: open disputes (the alarms) and the service centres (the Party's presence) — a few hundred points
 * that read well at district scale. Thousands of compounds would bury the choropleth until asked for.
 */
export function defaultLayerSettings(): LayerSettings {
  const off: LayerFilter = { enabled: false, statuses: null, values: null };
  return {
    compounds: { ...off },
    'service-centres': { ...off, enabled: true },
    projects: { ...off },
    'temp-branches': { ...off },
    disputes: { enabled: true, statuses: [...OPEN_DISPUTE_STATUSES], values: null },
    'member-units': { ...off },
    'micro-wishes': { ...off },
  };
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Stored settings, each layer validated on its own: a damaged entry falls back to that layer's default only. */
export function readLayerSettings(): LayerSettings {
  const settings = defaultLayerSettings();
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEYS.leaderLayers) ?? 'null') as Partial<Record<string, Partial<LayerFilter>>> | null;
    if (!stored || typeof stored !== 'object') return settings;
    for (const layer of LAYERS) {
      const s = stored[layer];
      if (!s || typeof s.enabled !== 'boolean') continue;
      settings[layer] = {
        enabled: s.enabled,
        statuses: isStringList(s.statuses) ? s.statuses : null,
        values: isStringList(s.values) ? s.values : null,
      };
    }
  } catch {
    /* defaults */
  }
  return settings;
}

export function writeLayerSettings(settings: LayerSettings): void {
  try {
    localStorage.setItem(STORAGE_KEYS.leaderLayers, JSON.stringify(settings));
  } catch {
    /* in-memory only */
  }
}

/** Whether a point of `layer` with these properties passes the layer's filters. */
export function passesFilter(layer: LayerName, props: Record<string, unknown>, filter: LayerFilter): boolean {
  if (filter.statuses && !filter.statuses.includes(String(props.status))) return false;
  if (filter.values && !filter.values.includes(String(props[FILTER_ATTRIBUTE[layer].prop]))) return false;
  return true;
}
