/**
 * The bottom sheet of one point: its fresh state from the server with `nextStatuses` (what this user may move it
 * to, decided by the server). Offline, the sheet still works from what the list holds: the moves come from the
 * shared workflow (contract/layers.ts TRANSITIONS) applied to the status as the user sees it, and the server
 * checks them when the change lands (a refused one shows up in the outbox as failed, never silently).
 */
import { TRANSITIONS, type LayerName } from '$contract/layers';
import { fetchPoint, type PointProps } from '../../../lib/api/points';
import { ApiError } from '../../../lib/api/http';
import { isUnreachable } from './cache';
import { toFieldPoint, type FieldPoint } from './points.svelte';

/** The workflow's next statuses for a point in `status` (the server's allowedNext, for offline use only). */
export function workflowNext(layer: LayerName, status: string, props: PointProps): string[] {
  const next = [...(TRANSITIONS[layer][status] ?? [])];
  if (layer === 'disputes' && props.mediationLevel === 'district') return next.filter((s) => s !== 'escalated');
  return next;
}

export class SheetState {
  /** `layer/id` of the open point, or null (closed). */
  key = $state<string | null>(null);
  /** The point as the server last told us (the list's copy until the fresh one arrives). */
  point = $state.raw<FieldPoint | null>(null);
  /** From the server; null while loading or offline. */
  nextStatuses = $state.raw<string[] | null>(null);
  status = $state<'loading' | 'ready' | 'offline' | 'error'>('loading');
  error = $state.raw<ApiError | null>(null);
  #load = 0;

  open(point: FieldPoint): void {
    const load = ++this.#load;
    this.key = point.key;
    this.point = point;
    this.nextStatuses = null;
    this.error = null;
    this.status = 'loading';
    fetchPoint(point.layer, point.id).then(
      (f) => {
        if (load !== this.#load) return;
        const fresh = toFieldPoint(f, point.layer);
        // An answer older than what the list holds came from the service worker's cache (offline): its
        // nextStatuses are for a stale status, so the sheet works as offline.
        if (!fresh || fresh.version < (this.point?.version ?? 0)) {
          this.status = 'offline';
          return;
        }
        this.point = fresh;
        this.nextStatuses = Array.isArray(f.properties.nextStatuses) ? f.properties.nextStatuses.map(String) : [];
        this.status = 'ready';
      },
      (e: unknown) => {
        if (load !== this.#load) return;
        if (isUnreachable(e)) {
          this.status = 'offline';
        } else {
          this.error = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
          this.status = 'error';
        }
      },
    );
  }

  /** A newer state of the open point arrived (live, landed): keep the sheet current. */
  update(point: FieldPoint): void {
    if (this.key !== point.key || (this.point && this.point.version > point.version)) return;
    const statusChanged = this.point?.status !== point.status;
    this.point = point;
    // The server's list was for the old status; ask again rather than guess.
    if (statusChanged && this.status === 'ready') this.open(point);
  }

  close(): void {
    this.#load++;
    this.key = null;
    this.point = null;
    this.nextStatuses = null;
  }
}
