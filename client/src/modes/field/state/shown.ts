/**
 * A point as the coordinator sees it: the server's state with their own unsent change laid over it (optimistic
 * display, marked "pending sync" until it lands), its colour, whether it is a campaign target, how far away it is.
 */
import type { OutboxEntry } from '../lib/outbox.svelte';
import type { LayerName } from '$contract/layers';
import { metresBetween, pointKey, type FieldPoint, type LngLat } from './points.svelte';

/** The part of an outbox entry the display needs. */
export type PendingChange = Pick<OutboxEntry, 'key' | 'layer' | 'featureId' | 'status' | 'state'>;

export interface ShownPoint extends FieldPoint {
  /** The status shown: my latest unsent change's, else the server's. */
  shownStatus: string;
  /** My latest unsent change of this point, if any. */
  pending: PendingChange | null;
  color: string;
  target: boolean;
  /** Metres from the phone, when it gave a position. */
  metres: number | null;
}

/**
 * Status colours for the field mode's light theme: the leader map's hues (modes/leader/point-style.ts), darkened
 * so white text on them keeps a contrast of at least 4.5:1 on a phone in the sun.
 */
const FIELD_STATUS_COLORS: Record<LayerName, Record<string, string>> = {
  compounds: { pending: '#c62828', in_progress: '#b45309', done: '#15803d', verified: '#0f5e3c', normal: '#4b5563' },
  disputes: { reported: '#be123c', accepted: '#c2410c', mediating: '#a16207', escalated: '#a21caf', resolved: '#4b5563', referred: '#5b21b6' },
  'service-centres': { open: '#a16207', renovating: '#92400e', closed: '#4b5563' },
  projects: { planned: '#3b5bdb', in_progress: '#1d4ed8', completed: '#0e7490', accepted: '#155e75' },
  'temp-branches': { active: '#b91c1c', dissolved: '#4b5563' },
  'member-units': { active: '#6d28d9', inactive: '#4b5563' },
  'micro-wishes': { open: '#be185d', claimed: '#a16207', fulfilled: '#15803d', cancelled: '#4b5563' },
};

export const fieldStatusColor = (layer: LayerName, status: string): string => FIELD_STATUS_COLORS[layer]?.[status] ?? '#4b5563';

/** The newest outbox entry per point (entries are oldest first). */
export function latestPending(entries: readonly PendingChange[]): Map<string, PendingChange> {
  const map = new Map<string, PendingChange>();
  for (const e of entries) map.set(pointKey(e.layer, e.featureId), e);
  return map;
}

export function showPoint(p: FieldPoint, pending: PendingChange | undefined, target: boolean, here: LngLat | null): ShownPoint {
  const shownStatus = pending?.status ?? p.status;
  return {
    ...p,
    shownStatus,
    pending: pending ?? null,
    color: fieldStatusColor(p.layer, shownStatus),
    target,
    metres: here && p.position ? metresBetween(here, p.position) : null,
  };
}

export function formatDistance(m: number): string {
  return m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(m < 10_000 ? 1 : 0)} km`;
}
