import type { Db, Queryable } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeEvent, ChangeMessage, PatchResult, StatusPatch } from '../contract/events.js';
import { TRANSITIONS, isLayerName, type LayerName } from '../contract/layers.js';
import { AppError, notFound } from '../errors.js';
import { assertCanRead, canRead, userRoots } from '../auth/auth.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { EventsRepository } from '../events/events.repository.js';
import type { IdempotencyRepository } from './idempotency.repository.js';
import type { ColumnChange, LayerFilter, LayersRepository } from './layers.repository.js';

const MEDIATION_LEVELS = ['community', 'street', 'district'] as const;

type Props = Record<string, any>;

/** The statuses a feature may move to, by its layer's workflow and its own state. */
export function allowedNext(layer: LayerName, props: Props): string[] {
  const next = [...(TRANSITIONS[layer][props.status] ?? [])];
  // Escalation hands a dispute to the next mediation level; the district centre is the last one.
  if (layer === 'disputes' && props.mediationLevel === 'district') return next.filter((s) => s !== 'escalated');
  return next;
}

/** Columns that follow a status change, so the feature stays consistent (progress, dates, mediation level). */
function followingChanges(layer: LayerName, props: Props, status: string): ColumnChange[] {
  if (layer === 'disputes' && status === 'escalated') {
    const level = MEDIATION_LEVELS[MEDIATION_LEVELS.indexOf(props.mediationLevel) + 1];
    return [{ column: 'mediation_level', value: level }];
  }
  if (layer === 'projects' && (status === 'completed' || status === 'accepted')) return [{ column: 'progress', value: 100 }];
  if (layer === 'temp-branches' && status === 'dissolved') return [{ column: 'dissolved_at', value: new Date().toISOString().slice(0, 10) }];
  return [];
}

export type Publish = (message: ChangeMessage) => void;

export class LayersService {
  constructor(
    private readonly db: Db,
    private readonly layers: LayersRepository,
    private readonly events: EventsRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly regions: RegionsService,
    private readonly publish: Publish,
  ) {}

  /** Live messages for logged events: each point event with its feature as it is now (as `change` carries it). */
  async messagesOf(events: ChangeEvent[]): Promise<ChangeMessage[]> {
    return Promise.all(
      events.map(async (e) => ({
        ...e,
        feature: isLayerName(e.layer) && e.op !== 'delete' ? ((await this.layers.find(e.layer, e.id)) ?? null) : null,
      })),
    );
  }

  requireLayer(name: string): LayerName {
    if (!isLayerName(name)) throw notFound(`Layer "${name}"`);
    return name;
  }

  async listJson(user: SessionUser, layerName: string, filter: LayerFilter): Promise<string> {
    const layer = this.requireLayer(layerName);
    assertCanRead(user, filter.regionCode);
    await this.regions.require(filter.regionCode);
    return this.layers.listJson(layer, filter);
  }

  /** The feature with `nextStatuses`: what this user may move it to (empty when they may not write it). */
  async get(user: SessionUser, layerName: string, id: string): Promise<GeoJSON.Feature> {
    const layer = this.requireLayer(layerName);
    const feature = await this.readable(user, layer, id);
    const writable = user.role !== 'display' && (await this.layers.isInside(this.db, layer, id, userRoots(user)));
    return { ...feature, properties: { ...feature.properties, nextStatuses: writable ? allowedNext(layer, feature.properties!) : [] } };
  }

  async history(user: SessionUser, layerName: string, id: string): Promise<{ events: ChangeEvent[] }> {
    const layer = this.requireLayer(layerName);
    await this.readable(user, layer, id);
    return { events: await this.events.history(layer, id) };
  }

  /**
   * Moves a feature to a new status: checks in API.md's order (404 → 403 → 409 → invalid transition), commits
   * the change, its event and the idempotency record in one transaction, then fans the event out.
   */
  async patchStatus(user: SessionUser, layerName: string, id: string, patch: StatusPatch, idempotencyKey?: string): Promise<PatchResult> {
    const layer = this.requireLayer(layerName);
    const request = JSON.stringify([layer, id, patch]);
    const outcome = await this.db.transaction(async (tx) => {
      if (idempotencyKey) {
        const claim = await this.idempotency.claim(tx, user.username, idempotencyKey, request);
        if (!claim.claimed) {
          if (claim.request !== request) {
            throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request');
          }
          return { result: undefined, replay: claim.response as PatchResult | { feature: GeoJSON.Feature; write: number }, message: undefined };
        }
      }
      const current = await this.writable(tx, user, layer, id, true);
      if (patch.photos?.length) {
        const unknown = await this.layers.unknownPhotos(tx, layer, id, patch.photos);
        if (unknown.length) throw new AppError(400, 'unknown_photo', `Upload these photos for this point first: ${unknown.join(', ')}`, unknown);
      }
      const props = current.properties!;
      if (props.version !== patch.version) {
        throw new AppError(409, 'version_conflict', `Someone changed this point first (version ${props.version}, yours ${patch.version})`, undefined, {
          current,
        });
      }
      const allowed = allowedNext(layer, props);
      if (!allowed.includes(patch.status)) {
        throw new AppError(
          400,
          'invalid_transition',
          `${layer} status "${props.status}" may move to: ${allowed.length ? allowed.join(', ') : 'nothing (final)'}; not "${patch.status}"`,
          allowed,
        );
      }
      const feature = await this.layers.updateStatus(tx, layer, id, patch.status, followingChanges(layer, props, patch.status));
      const [before, after] = changedProperties(props, feature.properties!);
      const event = await this.events.appendAndCommit(tx, {
        actor: user.username,
        layer,
        id,
        regionCode: props.regionCode,
        op: 'update',
        before,
        // The name rides along so a feed can say what changed even from the log alone (catch-up has no feature).
        after: { ...after, name: props.name, ...(patch.note ? { note: patch.note } : {}), ...(patch.photos?.length ? { photos: patch.photos } : {}) },
      }, idempotencyKey ? { username: user.username, key: idempotencyKey, feature } : undefined);
      return { result: { feature, seq: event.seq } as PatchResult, replay: undefined, message: { ...event, feature } };
    });
    if (outcome.message) this.publish(outcome.message);
    if (outcome.replay && 'write' in outcome.replay) {
      // The first request committed and is waiting for its seq: wait for the same one (after this transaction).
      return { feature: outcome.replay.feature, seq: (await this.events.seqOf(outcome.replay.write)).seq };
    }
    return outcome.result ?? outcome.replay!;
  }

  /**
   * The write check of a PATCH (404 → 403: display accounts, points outside the user's area, spatially) for writes
   * about a point that do not change it, such as a photo upload. Returns the point.
   */
  async requireWritable(user: SessionUser, layerName: string, id: string): Promise<{ layer: LayerName; feature: GeoJSON.Feature }> {
    const layer = this.requireLayer(layerName);
    return { layer, feature: await this.writable(this.db, user, layer, id) };
  }

  /**
   * 404 (also for a point the user may not read) → 403 (display accounts; a readable point outside the user's
   * area, spatially) in API.md's order; `lock` for a PATCH.
   */
  private async writable(tx: Queryable, user: SessionUser, layer: LayerName, id: string, lock = false): Promise<GeoJSON.Feature> {
    const found = await this.layers.findWritable(tx, layer, id, userRoots(user), lock);
    if (!found || !canRead(user, found.feature.properties!.regionCode)) throw notFound(`${layer} ${id}`);
    if (user.role === 'display') throw new AppError(403, 'forbidden', 'A display account is read-only');
    // Spatial check against the stored geometry: a region code sent by a client proves nothing.
    if (!found.inside) {
      throw new AppError(403, 'forbidden_region', `This ${layer} point lies outside your area (${userRoots(user).join(', ')})`);
    }
    return found.feature;
  }

  /** The point, when the user may read it (404 otherwise). */
  async requireReadable(user: SessionUser, layerName: string, id: string): Promise<{ layer: LayerName; feature: GeoJSON.Feature }> {
    const layer = this.requireLayer(layerName);
    return { layer, feature: await this.readable(user, layer, id) };
  }

  private async readable(user: SessionUser, layer: LayerName, id: string): Promise<GeoJSON.Feature> {
    const feature = await this.layers.find(layer, id);
    // A point outside the user's area answers exactly as one that does not exist: no leak of its existence.
    if (!feature || !canRead(user, feature.properties!.regionCode)) throw notFound(`${layer} ${id}`);
    return feature;
  }
}

/** The properties that a change altered (status, version and what followed), before and after. */
function changedProperties(before: Props, after: Props): [Props, Props] {
  const keys = Object.keys(after).filter((k) => k !== 'updatedAt' && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return [Object.fromEntries(keys.map((k) => [k, before[k]])), Object.fromEntries(keys.map((k) => [k, after[k]]))];
}
