/**
 * A point as the coordinator sees it: the server's state with their own unsent change laid over it (optimistic
 * display, marked "pending sync" until it lands), its colour, whether it is a campaign target, how far away it is.
 */
import type { OutboxEntry } from '../lib/outbox.svelte';
import { statusColor } from '../../leader/point-style';
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
    color: statusColor(p.layer, shownStatus),
    target,
    metres: here && p.position ? metresBetween(here, p.position) : null,
  };
}

export function formatDistance(m: number): string {
  return m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(m < 10_000 ? 1 : 0)} km`;
}
