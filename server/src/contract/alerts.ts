/** Alerts (告警): conditions raised by the server, acknowledged and resolved by people (GET/POST /api/alerts). */

export const ALERT_RULES = ['dispute_overdue', 'campaign_stalled', 'centre_closed'] as const;
/** dispute_overdue: an open dispute past its mediation level's time limit; campaign_stalled: an active campaign's
 * targets in one grid without a status change for N days; centre_closed: a service centre whose status is closed. */
export type AlertRule = (typeof ALERT_RULES)[number];

/** open → acked → resolved (or open → resolved); `active` in a query means open or acked. */
export const ALERT_STATES = ['open', 'acked', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];
export const ALERT_QUERY_STATES = ['active', ...ALERT_STATES, 'all'] as const;
export type AlertQueryState = (typeof ALERT_QUERY_STATES)[number];

/** Who resolves an alert whose condition cleared (the dispute was resolved, the centre reopened …). */
export const SYSTEM_ACTOR = 'system';

/** What the alert is about, as the rule found it; `name` is what a list shows, `position` where the map flies. */
export interface AlertDetails {
  name: string;
  /** [lon, lat] of the point, or a point inside the grid. */
  position?: [number, number];
  /** The point (dispute_overdue, centre_closed). */
  layer?: string;
  featureId?: string;
  /** dispute_overdue: its mediation level, when the case reached it, when that level's time limit ran out. */
  mediationLevel?: string;
  levelSince?: string;
  dueAt?: string;
  /** centre_closed: the centre's level (street / community). */
  level?: string;
  /** campaign_stalled */
  campaignId?: string;
  campaignName?: string;
  gridCode?: string;
  openTargets?: number;
  lastProgressAt?: string;
  [key: string]: unknown;
}

export interface Alert {
  id: string;
  rule: AlertRule;
  /** 'disputes/<id>', 'service-centres/<id>' or 'campaigns/<campaign id>/<grid code>'. */
  subject: string;
  regionCode: string;
  severity: 'low' | 'medium' | 'high';
  state: AlertState;
  raisedAt: string;
  details: AlertDetails;
  ackedBy: string | null;
  ackedAt: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  version: number;
}

/** GET /api/alerts answer: newest first; `open` counts the unresolved-and-unacknowledged ones of the same scope. */
export interface AlertList {
  alerts: Alert[];
  counts: Record<AlertState, number>;
}

/** POST /api/alerts/:id/ack body (optional `version`: 409 when the alert changed meanwhile). */
export interface AlertAck {
  version?: number;
}
export interface AlertResolve {
  resolution: string;
  version?: number;
}
