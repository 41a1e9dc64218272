import type { Db, Transaction } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { Alert, AlertList, AlertQueryState, AlertRule } from '../contract/alerts.js';
import { ALERT_RULES, SYSTEM_ACTOR } from '../contract/alerts.js';
import type { ChangeMessage } from '../contract/events.js';
import { isLayerName } from '../contract/layers.js';
import { assertCanRead, canRead, userRoots } from '../auth/auth.service.js';
import { AppError, notFound } from '../errors.js';
import type { EventsRepository } from '../events/events.repository.js';
import { CODE_LENGTH, type RegionsService } from '../regions/regions.service.js';
import type { AlertCandidate, AlertsRepository } from './alerts.repository.js';

export interface AlertsConfig {
  /** Time limit of a dispute at each mediation level, in days (ALERT_DISPUTE_DAYS). */
  disputeDays: Record<'community' | 'street' | 'district', number>;
  /** Days without a status change after which a campaign grid is stalled (ALERT_STALL_DAYS). */
  stallDays: number;
  /** Period of the evaluation of every rule, in ms; 0 = only at start, and after changes for what they touch (ALERT_EVALUATE_S). */
  evaluateMs: number;
}

export interface AlertsDeps {
  db: Db;
  events: EventsRepository;
  regions: RegionsService;
  /** Fans an alert event out after commit (Realtime.publish). */
  publish(message: ChangeMessage): void;
  log?: { error(obj: object, msg: string): void };
}

/**
 * What a committed change may affect, per rule: every subject, or only some. Time alone raises a stall or an
 * overdue case (the timer finds those); a change can clear a stall only in its own grid and can move only its own
 * dispute, so those rules are evaluated for them alone — a cost that does not grow with the campaign or the caseload.
 */
type Scope = 'all' | Set<string>;

function scopesOf(m: ChangeMessage): Map<AlertRule, Scope> {
  const scopes = new Map<AlertRule, Scope>();
  if (m.layer === 'alerts' || m.layer === 'users') return scopes;
  if (m.layer === 'import' || m.layer === 'regions') {
    for (const r of ALERT_RULES) scopes.set(r, 'all');
    return scopes;
  }
  if (m.layer === 'campaigns') return scopes.set('campaign_stalled', 'all');
  if (!isLayerName(m.layer)) return scopes;
  // Any point layer can hold campaign targets: a target's status change is the progress that clears a stall.
  // Targets outside every grid count in no grid (AlertsRepository.stalledGrids).
  if (m.regionCode && m.regionCode.length >= CODE_LENGTH.grid) scopes.set('campaign_stalled', new Set([m.regionCode.slice(0, CODE_LENGTH.grid)]));
  if (m.layer === 'disputes') scopes.set('dispute_overdue', new Set([m.id]));
  if (m.layer === 'service-centres') scopes.set('centre_closed', 'all');
  return scopes;
}

/** The key a scope names a subject by: the grid of `campaigns/<id>/<grid>`, the id of `disputes/<id>`. */
const scopeKey = (subject: string) => subject.slice(subject.lastIndexOf('/') + 1);

/** Changes that arrive within this window are evaluated together (an import or a burst of field updates). */
const CHANGE_DEBOUNCE_MS = 150;
const LIST_LIMIT_DEFAULT = 200;

/**
 * Alerts (告警): rules evaluated in PostGIS/SQL, at start, on a timer (time alone makes a dispute overdue or a grid
 * stalled) and after each committed change of this process. A rule's condition that holds raises an alert unless
 * one is unresolved for the same subject (a unique index: several processes may evaluate at once) or this
 * occurrence of it was raised before (a person resolved it while the condition held on: it stays resolved); an
 * unresolved alert whose condition no longer holds is resolved by the system. People acknowledge and resolve them. Every
 * raise, ack and resolve commits with its event (layer 'alerts', the alert's region) and is fanned out live.
 */
export class AlertsService {
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly pending = new Map<AlertRule, Scope>();
  /** The evaluation in flight: one at a time per process, so a run never races its own follow-up. */
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly alerts: AlertsRepository,
    private readonly deps: AlertsDeps,
    private readonly config: AlertsConfig,
  ) {}

  /**
   * Evaluates every rule now, then every `evaluateMs`. Resolves after the first evaluation, so a server that is
   * ready already shows the alerts its data holds (and raises none behind a client's back right after start).
   */
  async start(): Promise<void> {
    if (this.config.evaluateMs > 0) this.timer = setInterval(() => void this.evaluate(), this.config.evaluateMs);
    await this.evaluate().catch(() => {}); // logged by evaluate(); the next tick retries
  }

  /** Stops the timers and waits for the evaluation in flight (before the database closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    await this.running;
  }

  /** Called after each committed change of this process: re-evaluates what it may affect, debounced. */
  changed(message: ChangeMessage): void {
    const scopes = scopesOf(message);
    if (!scopes.size || this.stopped) return;
    for (const [rule, scope] of scopes) {
      const pending = this.pending.get(rule);
      this.pending.set(rule, scope === 'all' || pending === 'all' ? 'all' : new Set([...(pending ?? []), ...scope]));
    }
    this.debounce ??= setTimeout(() => {
      this.debounce = undefined;
      const due = new Map(this.pending);
      this.pending.clear();
      const only = Object.fromEntries([...due].filter(([, s]) => s !== 'all'));
      void this.evaluate([...due.keys()], new Date(), only);
    }, CHANGE_DEBOUNCE_MS);
  }

  /**
   * Evaluates the rules at `now` (tests pass another time): raises what holds and is not yet raised, resolves
   * what no longer holds — for every subject of a rule, or for those `only` names by scope key (grid, dispute id).
   * Queued behind the evaluation in flight. Answers the alerts it raised and resolved.
   */
  evaluate(
    rules: readonly AlertRule[] = ALERT_RULES,
    now = new Date(),
    only: Partial<Record<AlertRule, ReadonlySet<string>>> = {},
  ): Promise<{ raised: Alert[]; resolved: Alert[] }> {
    const run = this.running.then(() => this.evaluateNow(rules, now, only));
    this.running = run.then(
      () => undefined,
      (err) => this.deps.log?.error({ err }, 'alerts: evaluation failed; the next change or tick retries'),
    );
    return run;
  }

  private async evaluateNow(rules: readonly AlertRule[], now: Date, only: Partial<Record<AlertRule, ReadonlySet<string>>>): Promise<{ raised: Alert[]; resolved: Alert[] }> {
    const raised: Alert[] = [];
    const resolved: Alert[] = [];
    if (this.stopped) return { raised, resolved };
    for (const rule of rules) {
      let keys = only[rule];
      if (rule === 'campaign_stalled' && keys) {
        // A change is progress: it can end its grid's stall but never start one (time does, and the timer finds
        // it). So only grids with an unresolved stall need the campaign query, and at most times none has.
        const open = new Set((await this.alerts.known(rule, [])).map((a) => scopeKey(a.subject)));
        keys = new Set([...keys].filter((k) => open.has(k)));
        if (!keys.size) continue;
      }
      const candidates = await this.candidates(rule, now, keys && [...keys]);
      const key = (a: { subject: string; episode: string }) => `${a.subject}\n${a.episode}`;
      const holding = new Set(candidates.map(key));
      const known = (await this.alerts.known(rule, candidates.map((c) => c.subject))).filter((a) => !keys || keys.has(scopeKey(a.subject)));
      // Resolves first: a subject whose condition holds again in a new occurrence (a dispute escalated and overdue
      // at its new level) must have its old alert resolved before the new one can be raised.
      for (const a of known) {
        if (!a.unresolved || holding.has(key(a))) continue;
        const alert = await this.resolveBySystem(a.id);
        if (alert) resolved.push(alert);
      }
      const raisedBefore = new Set(known.map(key));
      for (const c of candidates) {
        if (raisedBefore.has(key(c))) continue;
        const alert = await this.raise(c);
        if (alert) raised.push(alert);
      }
    }
    return { raised, resolved };
  }

  private candidates(rule: AlertRule, now: Date, keys?: string[]): Promise<AlertCandidate[]> {
    switch (rule) {
      case 'dispute_overdue':
        return this.alerts.overdueDisputes(now, this.config.disputeDays, keys);
      case 'centre_closed':
        return this.alerts.closedCentres();
      case 'campaign_stalled':
        return this.alerts.stalledGrids(now, this.config.stallDays, CODE_LENGTH.grid, keys);
    }
  }

  /** One transaction per alert: an event ends its transaction (EventsRepository.appendAndCommit). */
  private async raise(c: AlertCandidate): Promise<Alert | undefined> {
    const { db, events, publish } = this.deps;
    const outcome = await db.transaction(async (tx) => {
      const alert = await this.alerts.raise(tx, c);
      // Another process (or evaluation) raised it first: nothing to log.
      if (!alert) return undefined;
      const event = await events.appendAndCommit(tx, {
        actor: SYSTEM_ACTOR,
        layer: 'alerts',
        id: alert.id,
        regionCode: alert.regionCode,
        op: 'create',
        before: null,
        after: { ...alert, name: alert.details.name },
      });
      return { alert, message: { ...event, feature: null } as ChangeMessage };
    });
    if (outcome) publish(outcome.message);
    return outcome?.alert;
  }

  private async resolveBySystem(id: string): Promise<Alert | undefined> {
    return this.move(id, SYSTEM_ACTOR, async (tx, current) => {
      if (current.state === 'resolved') return undefined;
      return this.alerts.resolve(tx, id, SYSTEM_ACTOR, 'condition cleared');
    });
  }

  /**
   * Locks the alert, applies `change` (undefined = nothing to do) and commits it with its event: `before` the
   * changed fields, `after` the whole alert as it is now (a client applies it as it is).
   */
  private async move(
    id: string,
    actor: string,
    change: (tx: Transaction, current: Alert) => Promise<Alert | undefined>,
  ): Promise<Alert | undefined> {
    const { db, events, publish } = this.deps;
    const outcome = await db.transaction(async (tx) => {
      const current = await this.alerts.find(id, tx, true);
      if (!current) throw notFound(`Alert ${id}`);
      const alert = await change(tx, current);
      if (!alert) return undefined;
      const changed = (['state', 'ackedBy', 'ackedAt', 'resolvedBy', 'resolvedAt', 'resolution', 'version'] as const).filter(
        (k) => current[k] !== alert[k],
      );
      const event = await events.appendAndCommit(tx, {
        actor,
        layer: 'alerts',
        id,
        regionCode: alert.regionCode,
        op: 'update',
        before: Object.fromEntries(changed.map((k) => [k, current[k]])),
        after: { ...alert, name: alert.details.name },
      });
      return { alert, message: { ...event, feature: null } as ChangeMessage };
    });
    if (outcome) publish(outcome.message);
    return outcome?.alert;
  }

  /** Alerts in the user's subtrees (or in `region`, inside them), newest first, and their counts by state. */
  async list(user: SessionUser, options: { region?: string; state?: AlertQueryState; limit?: number }): Promise<AlertList> {
    let roots = userRoots(user);
    if (options.region) {
      assertCanRead(user, options.region);
      await this.deps.regions.require(options.region);
      roots = [options.region];
    }
    const [alerts, counts] = await Promise.all([
      this.alerts.list(roots, options.state ?? 'active', options.limit ?? LIST_LIMIT_DEFAULT),
      this.alerts.counts(roots),
    ]);
    return { alerts, counts };
  }

  /** open → acked. 404 → 403 → 409 (version, then state), as a PATCH of a point. */
  async ack(user: SessionUser, id: string, version?: number): Promise<Alert> {
    return (await this.move(id, user.username, async (tx, current) => {
      this.assertWritable(user, current, version);
      if (current.state !== 'open') throw wrongState(current, 'only an open alert can be acknowledged');
      return this.alerts.ack(tx, id, user.username);
    }))!;
  }

  /** open or acked → resolved, with what was done. */
  async resolve(user: SessionUser, id: string, resolution: string, version?: number): Promise<Alert> {
    return (await this.move(id, user.username, async (tx, current) => {
      this.assertWritable(user, current, version);
      if (current.state === 'resolved') throw wrongState(current, 'it is closed');
      return this.alerts.resolve(tx, id, user.username, resolution);
    }))!;
  }

  /** An alert outside the user's area answers as one that does not exist; display accounts are read-only. */
  private assertWritable(user: SessionUser, alert: Alert, version: number | undefined): void {
    if (!canRead(user, alert.regionCode)) throw notFound(`Alert ${alert.id}`);
    if (user.role === 'display') throw new AppError(403, 'forbidden', 'A display account is read-only');
    if (version !== undefined && version !== alert.version) {
      throw new AppError(409, 'version_conflict', `Someone changed this alert first (version ${alert.version}, yours ${version})`, undefined, {
        current: alert,
      });
    }
  }
}

/** 409 naming who moved the alert to its present state. */
function wrongState(alert: Alert, why: string): AppError {
  const by = alert.resolvedBy ?? alert.ackedBy;
  return new AppError(409, 'invalid_alert_state', `Alert ${alert.id} is ${alert.state}${by ? ` (by ${by})` : ''}: ${why}`, undefined, { current: alert });
}
