import type { Queryable } from '../db/db.js';
import type { Alert, AlertDetails, AlertQueryState, AlertRule, AlertState } from '../contract/alerts.js';
import { OPEN_DISPUTE_STATUSES, isLayerName } from '../contract/layers.js';
import { LAYER_MODELS } from '../layers/layers.model.js';

/** A condition a rule found now: raised as an alert unless one is already unresolved for the same rule and subject. */
export interface AlertCandidate {
  rule: AlertRule;
  subject: string;
  /** Which occurrence of the condition (migrations/013_alerts.sql). */
  episode: string;
  regionCode: string;
  severity: Alert['severity'];
  details: AlertDetails;
}

/** An alert as a rule's re-evaluation needs it: does its condition still hold, was this occurrence raised before? */
export interface KnownAlert {
  id: string;
  subject: string;
  episode: string;
  unresolved: boolean;
}

const iso = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const STATE = `CASE WHEN resolved_at IS NOT NULL THEN 'resolved' WHEN acked_at IS NOT NULL THEN 'acked' ELSE 'open' END`;
const ALERT_COLUMNS = `id, rule, subject, region_code AS "regionCode", severity, ${STATE} AS state, ${iso('raised_at')} AS "raisedAt",
  details, acked_by AS "ackedBy", ${iso('acked_at')} AS "ackedAt", resolved_by AS "resolvedBy", ${iso('resolved_at')} AS "resolvedAt",
  resolution, version`;

/** The WHERE clause of a state filter (constants of this file, never input). */
const STATE_FILTER: Record<AlertQueryState, string> = {
  active: 'resolved_at IS NULL',
  open: 'resolved_at IS NULL AND acked_at IS NULL',
  acked: 'resolved_at IS NULL AND acked_at IS NOT NULL',
  resolved: 'resolved_at IS NOT NULL',
  all: 'true',
};

/** Region codes are digits only, so they make safe LIKE prefixes. */
const prefixes = (roots: string[]) => roots.map((c) => `${c}%`);

export class AlertsRepository {
  constructor(private readonly db: Queryable) {}

  async list(roots: string[], state: AlertQueryState, limit: number): Promise<Alert[]> {
    return this.db.query<Alert>(
      `SELECT ${ALERT_COLUMNS} FROM alerts WHERE region_code LIKE ANY ($1::text[]) AND ${STATE_FILTER[state]}
        ORDER BY raised_at DESC, id LIMIT $2`,
      [prefixes(roots), limit],
    );
  }

  async counts(roots: string[]): Promise<Record<AlertState, number>> {
    const [row] = await this.db.query<Record<AlertState, number>>(
      `SELECT count(*) FILTER (WHERE ${STATE_FILTER.open}) AS open, count(*) FILTER (WHERE ${STATE_FILTER.acked}) AS acked,
              count(*) FILTER (WHERE ${STATE_FILTER.resolved}) AS resolved
         FROM alerts WHERE region_code LIKE ANY ($1::text[])`,
      [prefixes(roots)],
    );
    return row;
  }

  async find(id: string, q: Queryable = this.db, lock = false): Promise<Alert | undefined> {
    const [row] = await q.query<Alert>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row;
  }

  /**
   * Inserts the alert unless one is unresolved for its rule and subject, or this occurrence was raised before
   * (then nothing, and undefined).
   */
  async raise(q: Queryable, c: AlertCandidate): Promise<Alert | undefined> {
    const [row] = await q.query<Alert>(
      `INSERT INTO alerts (rule, subject, episode, region_code, severity, details)
       SELECT $1, $2, $3, $4, $5, $6::jsonb
        WHERE NOT EXISTS (SELECT 1 FROM alerts WHERE rule = $1 AND subject = $2 AND episode = $3)
       ON CONFLICT (rule, subject) WHERE resolved_at IS NULL DO NOTHING
       RETURNING ${ALERT_COLUMNS}`,
      [c.rule, c.subject, c.episode, c.regionCode, c.severity, JSON.stringify(c.details)],
    );
    return row;
  }

  async ack(q: Queryable, id: string, by: string): Promise<Alert> {
    const [row] = await q.query<Alert>(
      `UPDATE alerts SET acked_by = $2, acked_at = clock_timestamp(), version = version + 1 WHERE id = $1 RETURNING ${ALERT_COLUMNS}`,
      [id, by],
    );
    return row;
  }

  /** Resolves the alert if it is still unresolved (undefined otherwise: someone else resolved it first). */
  async resolve(q: Queryable, id: string, by: string, resolution: string): Promise<Alert | undefined> {
    const [row] = await q.query<Alert>(
      `UPDATE alerts SET resolved_by = $2, resolved_at = clock_timestamp(), resolution = $3, version = version + 1
        WHERE id = $1 AND resolved_at IS NULL RETURNING ${ALERT_COLUMNS}`,
      [id, by, resolution],
    );
    return row;
  }

  /** The rule's unresolved alerts and every alert of these subjects. */
  async known(rule: AlertRule, subjects: string[]): Promise<KnownAlert[]> {
    return this.db.query<KnownAlert>(
      `SELECT id, subject, episode, resolved_at IS NULL AS unresolved FROM alerts
        WHERE rule = $1 AND (resolved_at IS NULL OR subject = ANY ($2::text[]))`,
      [rule, subjects],
    );
  }

  /**
   * Open disputes (of `ids` only, when given) past their mediation level's time limit at `now`. The limit runs from
   * when the case reached its current level: the last escalation (the event that changed its mediationLevel), else
   * when it was reported. `days` maps each mediation level to its limit in days.
   */
  async overdueDisputes(now: Date, days: Record<string, number>, ids?: string[]): Promise<AlertCandidate[]> {
    const rows = await this.db.query<{ id: string; name: string; severity: Alert['severity']; regionCode: string; episode: string; details: AlertDetails }>(
      `WITH open AS (
         SELECT d.id, d.name, d.severity, d.mediation_level, d.region_code, d.geom,
                COALESCE((SELECT max(e.at) FROM events AS e
                           WHERE e.layer = 'disputes' AND e.feature_id = d.id AND e.after ? 'mediationLevel'), d.reported_at) AS since
           FROM disputes AS d WHERE d.status = ANY ($1::text[]) AND ($4::text[] IS NULL OR d.id = ANY ($4::text[]))),
       due AS (SELECT *, since + make_interval(days => ($2::jsonb ->> mediation_level)::integer) AS due_at FROM open)
       SELECT id, name, severity, region_code AS "regionCode", mediation_level AS episode,
              jsonb_build_object('name', name, 'layer', 'disputes', 'featureId', id, 'mediationLevel', mediation_level,
                                 'levelSince', ${iso('since')}, 'dueAt', ${iso('due_at')},
                                 'position', jsonb_build_array(ST_X(geom), ST_Y(geom))) AS details
         FROM due WHERE due_at < $3::timestamptz ORDER BY id`,
      [OPEN_DISPUTE_STATUSES, JSON.stringify(days), now.toISOString(), ids ?? null],
    );
    return rows.map((r) => ({ rule: 'dispute_overdue', subject: `disputes/${r.id}`, episode: r.episode, regionCode: r.regionCode, severity: r.severity, details: r.details }));
  }

  /** Service centres whose status is closed; a street centre serves a whole street, so its closure weighs more. */
  async closedCentres(): Promise<AlertCandidate[]> {
    const rows = await this.db.query<{ id: string; level: string; regionCode: string; version: number; details: AlertDetails }>(
      `SELECT id, level, region_code AS "regionCode", version,
              jsonb_build_object('name', name, 'layer', 'service-centres', 'featureId', id, 'level', level,
                                 'position', jsonb_build_array(ST_X(geom), ST_Y(geom))) AS details
         FROM service_centres WHERE status = 'closed' ORDER BY id`,
    );
    return rows.map((r) => ({
      rule: 'centre_closed',
      subject: `service-centres/${r.id}`,
      // A status change bumps the version, so the version while closed names this closure.
      episode: String(r.version),
      regionCode: r.regionCode,
      severity: r.level === 'street' ? 'high' : 'medium',
      details: r.details,
    }));
  }

  /**
   * Grids of active campaigns whose not-yet-done targets saw no status change for `stallDays` at `now`. A status
   * change sets the target's updated_at (layers.repository updateStatus); the clock starts no earlier than the
   * campaign. Targets not inside any grid (a point on a community's edge) are left out; with `grids`, only those.
   */
  async stalledGrids(now: Date, stallDays: number, gridCodeLength: number, grids?: string[]): Promise<AlertCandidate[]> {
    const campaigns = await this.db.query<{ id: string; layer: string }>(
      `SELECT id, layer FROM campaigns WHERE status = 'active' AND starts_at <= $1::timestamptz AND ends_at > $1::timestamptz ORDER BY id`,
      [now.toISOString()],
    );
    // With grids, only the targets under those codes, found through the region_code index: a range on each code
    // (digits only, so `code || '~'` bounds its subtree), which holds for codes known only at run time.
    const inGrids = grids
      ? `JOIN unnest($5::text[]) AS s(code) ON t.region_code ~>=~ s.code AND t.region_code ~<~ (s.code || '~')`
      : '';
    const out: AlertCandidate[] = [];
    for (const c of campaigns) {
      if (!isLayerName(c.layer)) continue;
      // The table name comes from LAYER_MODELS, never from input.
      const rows = await this.db.query<{ grid: string; episode: string; details: AlertDetails }>(
        `WITH per_grid AS (
           SELECT left(t.region_code, $3) AS grid,
                  count(*) FILTER (WHERE NOT (t.status = ANY (c.done_statuses))) AS open_targets,
                  GREATEST(c.starts_at, max(t.updated_at)) AS last_progress
             FROM campaigns AS c
             JOIN campaign_targets AS ct ON ct.campaign_id = c.id
             JOIN ${LAYER_MODELS[c.layer].table} AS t ON t.id = ct.feature_id ${inGrids}
            WHERE c.id = $1 AND length(t.region_code) >= $3
            GROUP BY 1, c.starts_at)
         SELECT g.grid, ${iso('g.last_progress')} AS episode, jsonb_build_object('name', c.name || ' · ' || r.name, 'campaignId', c.id, 'campaignName', c.name,
                  'gridCode', g.grid, 'openTargets', g.open_targets, 'lastProgressAt', ${iso('g.last_progress')},
                  'position', jsonb_build_array(ST_X(ST_PointOnSurface(r.geom)), ST_Y(ST_PointOnSurface(r.geom)))) AS details
           FROM per_grid AS g JOIN regions AS r ON r.code = g.grid JOIN campaigns AS c ON c.id = $1
          WHERE g.open_targets > 0 AND g.last_progress < $2::timestamptz - make_interval(days => $4::integer)
          ORDER BY g.grid`,
        [c.id, now.toISOString(), gridCodeLength, stallDays, ...(grids ? [grids] : [])],
      );
      for (const r of rows) {
        out.push({ rule: 'campaign_stalled', subject: `campaigns/${c.id}/${r.grid}`, episode: r.episode, regionCode: r.grid, severity: 'medium', details: r.details });
      }
    }
    return out;
  }
}
