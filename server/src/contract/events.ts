import type { LayerName } from './layers.js';

/** Subjects of events that are not point changes: administration (imports, users, campaigns, region boundaries),
 * alerts, and the records of a building group (三会 meetings, 星级 ratings; contract/building-groups.ts), which carry their region. */
export type AuditSubject = 'import' | 'users' | 'campaigns' | 'regions' | 'alerts' | 'meetings' | 'ratings';

/**
 * One row of the append-only event log (API.md "Event"). `before`/`after` are the changed properties; `after` also
 * carries the feature's `name` and the writer's `note`.
 */
export interface ChangeEvent {
  seq: number;
  at: string;
  actor: string;
  /**
   * A point layer, what an administrative event is about (district-wide, regionCode null), or `ledger` (a record of
   * the regional Party-building ledger, contract/ledger.ts; regionCode is its committee's street or community).
   */
  layer: LayerName | AuditSubject | 'ledger';
  id: string;
  regionCode: string | null;
  /** District first, the point's deepest region last. */
  regionPath: string[];
  op: 'create' | 'update' | 'delete';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Socket.IO `change`: the event plus the feature as it is now (null after a delete). */
export interface ChangeMessage extends ChangeEvent {
  feature: GeoJSON.Feature | null;
}

/** GET /api/events answer; `last` is the newest seq committed on the server, not the last on this page. */
export interface EventsPage {
  events: ChangeEvent[];
  last: number;
}

/**
 * `subscribe` payload. `batch: true` asks for `changes` frames instead of one `change` frame per change.
 */
export interface SubscribeRequest {
  region: string;
  batch?: boolean;
}

/**
 * Second argument of the Socket.IO `changes` event (the first is `ChangeMessage[]`, in seq order): `prev` is the
 * seq of the last change sent to this subscription before this batch (or a seq the server skipped). A client whose
 * last seq is below `prev` missed something and catches up with GET /api/events?since=.
 */
export interface ChangesInfo {
  prev: number;
}

/** Ack of the `subscribe` socket message. */
export type SubscribeAck = { ok: true; seq: number } | { ok: false; error: string };

/** PATCH /api/layers/:layer/:id body and answer. */
export interface StatusPatch {
  status: string;
  note?: string;
  version: number;
  /** Ids (PhotoRef.id) of photos already uploaded for this same point; recorded in the event's `after.photos`. */
  photos?: string[];
  /** micro-wishes moving to `claimed`: the id of the claiming member unit (required then, refused otherwise). */
  claimedBy?: string;
}
export interface PatchResult {
  feature: GeoJSON.Feature;
  seq: number;
}

/** A campaign (挂图作战) with its overall progress in the requesting user's region. */
export interface Campaign {
  id: string;
  name: string;
  layer: string;
  startsAt: string;
  endsAt: string;
  /** draft → active (open) → closed. */
  status: 'draft' | 'active' | 'closed';
  doneStatuses: string[];
  targets: number;
  done: number;
}

export interface RegionProgress {
  code: string;
  name: string;
  targets: number;
  done: number;
  byStatus: Record<string, number>;
}

/** GET /api/campaigns/:id/progress?region=: the region's totals and one row per child region. */
export interface CampaignProgress extends RegionProgress {
  campaign: Campaign;
  children: RegionProgress[];
}
