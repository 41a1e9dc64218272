/**
 * How the leader map draws points: one hue family per layer, the status as the shade within it, so a glance
 * tells both what a point is and where it stands. Plain data with no map or DOM dependency, shared by the map's
 * layers (point-layers.ts), the layer panel's legend and the side panel's lists, so map and legend cannot disagree.
 */
import { OPEN_DISPUTE_STATUSES, type LayerName } from '$contract/layers';
import type { RegionLevel } from '$contract/regions';

export type Rgba = [number, number, number, number];

/** Draw order, bottom to top: the most numerous layer lowest, the alarms (disputes) on top. */
export const DRAW_ORDER: readonly LayerName[] = ['compounds', 'member-units', 'temp-branches', 'projects', 'service-centres', 'micro-wishes', 'disputes'];

/** Order in the layer panel: what a leader looks at first. */
export const PANEL_ORDER: readonly LayerName[] = ['disputes', 'compounds', 'service-centres', 'projects', 'temp-branches', 'member-units', 'micro-wishes'];

const MUTED = '#6b7a90';

/** Status colours by layer. The first entry of each layer is its swatch in the panel. */
export const STATUS_COLORS: Record<LayerName, Record<string, string>> = {
  // Open cases in reds (brightest for the least handled), closed ones recede.
  disputes: { reported: '#ff4d6d', accepted: '#ff7a59', mediating: '#ffa94d', escalated: '#e03eb0', resolved: '#5f6f86', referred: '#8477b5' },
  // Campaign rectification: red → amber → green, like a progress light; untouched compounds stay muted.
  compounds: { pending: '#f0544f', in_progress: '#f2a93b', done: '#55c98b', verified: '#2c9c6a', normal: '#5d6c83' },
  // Party gold for the service centres.
  'service-centres': { open: '#f5c84c', renovating: '#b9923a', closed: MUTED },
  projects: { in_progress: '#4f8dff', planned: '#9bb8ff', completed: '#35b8e0', accepted: '#7fd6f0' },
  // Party red for the temporary branches.
  'temp-branches': { active: '#e2525b', dissolved: MUTED },
  'member-units': { active: '#a78bfa', inactive: MUTED },
  // 微心愿: a warm pink while it waits to be claimed, amber once claimed, green when fulfilled.
  'micro-wishes': { open: '#ff8fc7', claimed: '#ffc857', fulfilled: '#3ecf8e', cancelled: MUTED },
};

export function layerSwatch(layer: LayerName): string {
  return Object.values(STATUS_COLORS[layer])[0];
}

export function statusColor(layer: LayerName, status: string): string {
  return STATUS_COLORS[layer][status] ?? MUTED;
}

const rgbaCache = new Map<string, Rgba>();
export function hexToRgba(hex: string, alpha = 255): Rgba {
  const key = `${hex}/${alpha}`;
  let c = rgbaCache.get(key);
  if (!c) {
    c = [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), alpha];
    rgbaCache.set(key, c);
  }
  return c;
}

const OPEN = new Set<string>(OPEN_DISPUTE_STATUSES);

/** An open dispute past its deadline at time `at` (ms): it must stand out (SPEC §2). */
export function isOverdue(layer: LayerName, props: { status: string; deadline?: unknown }, at: number): boolean {
  if (layer !== 'disputes' || !OPEN.has(props.status) || typeof props.deadline !== 'string') return false;
  const deadline = Date.parse(props.deadline);
  return Number.isFinite(deadline) && deadline < at;
}

/**
 * Marker radius in pixels by the level being viewed: small where thousands of points share a district view,
 * larger inside a grid where a handful of points must be easy to hit with a click or a finger.
 */
export const POINT_RADIUS: Record<RegionLevel, number> = { district: 3.5, street: 5, community: 6, grid: 7.5, building_group: 8 };

/** Larger markers for the layers there are few of and that matter on their own (a street centre, a dispute). */
export const LAYER_SCALE: Record<LayerName, number> = {
  compounds: 0.9,
  'member-units': 0.9,
  'temp-branches': 0.9,
  projects: 1,
  'service-centres': 1.25,
  disputes: 1.15,
  'micro-wishes': 1,
};
