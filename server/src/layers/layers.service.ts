import type { Db, Queryable } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeEvent, ChangeMessage, PatchResult, StatusPatch } from '../contract/events.js';
import { CREATABLE_LAYERS, TRANSITIONS, isLayerName, type Claimant, type LayerName, type WishCreate } from '../contract/layers.js';
import { AppError, badRequest, notFound } from '../errors.js';
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

/** Columns that follow a status change, so the feature stays consistent (progress, dates, mediation level, claims). */
function followingChanges(layer: LayerName, props: Props, status: string, patch: StatusPatch): ColumnChange[] {
  if (layer === 'micro-wishes') {
    const now = new Date().toISOString();
    if (status === 'claimed') return [{ column: 'claimed_by', value: patch.claimedBy }, { column: 'claimed_at', value: now }];
    // Released: the wish waits for another unit.
    if (status === 'open') return [{ column: 'claimed_by', value: null }, { column: 'claimed_at', value: null }];
    if (status === 'fulfilled') return [{ column: 'fulfilled_at', value: now }];
  }
  if (layer === 'disputes' && status === 'escalated') {
    const level = MEDIATION_LEVELS[MEDIATION_LEVELS.indexOf(props.mediationLevel) + 1];
    return [{ column: 'mediation_level', value: level }];
  }
  if (layer === 'projects' && (status === 'completed' || status === 'accepted')) return [{ column: 'progress', value: 100 }];
  if (layer === 'temp-branches' && status === 'dissolved') return [{ column: 'dissolved_at', value: new Date().toISOString().slice(0, 10) }];
  return [];
}

export type Publish = (message: ChangeMessage) => void;

/** A stored first answer: complete, or `write` while its event still waits for a seq. */
type Replay = PatchResult | { feature: GeoJSON.Feature; write: number };

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
    checkClaim(layer, patch);
    const request = JSON.stringify([layer, id, patch]);
    const outcome = await this.db.transaction(async (tx) => {
      const replay = idempotencyKey ? await this.replayOf(tx, user, idempotencyKey, request) : undefined;
      if (replay) return { replay };
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
      if (patch.claimedBy !== undefined && !(await this.layers.isClaimant(tx, patch.claimedBy, streetOf(props.regionCode)))) {
        throw new AppError(400, 'unknown_member_unit', `No active member unit ${patch.claimedBy} in the regional committees of street ${streetOf(props.regionCode)}`);
      }
      const feature = await this.layers.updateStatus(tx, layer, id, patch.status, followingChanges(layer, props, patch.status, patch));
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
      return { result: { feature, seq: event.seq } as PatchResult, message: { ...event, feature } };
    });
    return this.answer(outcome);
  }

  /**
   * Creates a point of a creatable layer (a micro-wish, open) at a location: 405 for other layers → 400 outside
   * the district → 403 (display accounts; outside the user's area, spatially, as a PATCH) — then the point and its
   * `create` event commit together and are fanned out. An Idempotency-Key makes a retry (field outbox) safe.
   */
  async create(user: SessionUser, layerName: string, body: WishCreate, idempotencyKey?: string): Promise<PatchResult> {
    const layer = this.requireLayer(layerName);
    if (!(CREATABLE_LAYERS as readonly string[]).includes(layer)) {
      throw new AppError(405, 'not_creatable', `${layer} points come from imports; only ${CREATABLE_LAYERS.join(', ')} can be created here`);
    }
    const request = JSON.stringify([layer, 'create', body]);
    const outcome = await this.db.transaction(async (tx) => {
      const replay = idempotencyKey ? await this.replayOf(tx, user, idempotencyKey, request) : undefined;
      if (replay) return { replay };
      const place = await this.layers.placeOf(tx, body.lon, body.lat, userRoots(user));
      if (!place.regionCode) throw new AppError(400, 'outside_district', `${body.lon},${body.lat} lies outside the district`);
      if (user.role === 'display') throw new AppError(403, 'forbidden', 'A display account is read-only');
      if (!place.inside) throw new AppError(403, 'forbidden_region', `This location lies outside your area (${userRoots(user).join(', ')})`);
      const feature = await this.layers.insertWish(tx, body);
      const props = feature.properties!;
      const { id: _, layer: __, updatedAt: ___, ...after } = props;
      const event = await this.events.appendAndCommit(tx, {
        actor: user.username,
        layer,
        id: String(props.id),
        regionCode: props.regionCode,
        op: 'create',
        before: null,
        after: { ...after, ...(body.note ? { note: body.note } : {}) },
      }, idempotencyKey ? { username: user.username, key: idempotencyKey, feature } : undefined);
      return { result: { feature, seq: event.seq } as PatchResult, message: { ...event, feature } };
    });
    return this.answer(outcome);
  }

  /** Claimants of a micro-wish the user may read: active member units of the wish's street committees. */
  async claimants(user: SessionUser, layerName: string, id: string): Promise<Claimant[]> {
    const layer = this.requireLayer(layerName);
    if (layer !== 'micro-wishes') throw notFound(`Claimants of ${layer}`);
    const feature = await this.readable(user, layer, id);
    return this.layers.claimants(streetOf(feature.properties!.regionCode));
  }

  /** The stored answer of an earlier request with this Idempotency-Key (422 if it was another request), else claims it. */
  private async replayOf(tx: Queryable, user: SessionUser, key: string, request: string): Promise<Replay | undefined> {
    const claim = await this.idempotency.claim(tx, user.username, key, request);
    if (claim.claimed) return undefined;
    if (claim.request !== request) throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used for a different request');
    return claim.response as Replay;
  }

  /** Publishes a committed write, or answers a replayed one (waiting for its seq if the first is still numbering). */
  private async answer(outcome: { result?: PatchResult; replay?: Replay; message?: ChangeMessage }): Promise<PatchResult> {
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
/** The street (街道) code of a region: member units of its committees may claim the wishes in it. */
const streetOf = (regionCode: string) => regionCode.slice(0, 9);

/** A claim names its member unit, and only a micro-wish moving to `claimed` takes one (400 before anything is read). */
function checkClaim(layer: LayerName, patch: StatusPatch): void {
  const claiming = layer === 'micro-wishes' && patch.status === 'claimed';
  if (claiming && !patch.claimedBy) throw new AppError(400, 'claim_requires_member_unit', 'Claiming a micro-wish needs claimedBy: the id of the claiming member unit');
  if (!claiming && patch.claimedBy !== undefined) throw badRequest('claimedBy is only for a micro-wish moving to "claimed"');
}

function changedProperties(before: Props, after: Props): [Props, Props] {
  const keys = Object.keys(after).filter((k) => k !== 'updatedAt' && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return [Object.fromEntries(keys.map((k) => [k, before[k]])), Object.fromEntries(keys.map((k) => [k, after[k]]))];
}
