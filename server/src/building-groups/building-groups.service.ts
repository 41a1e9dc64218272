import type { Db } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { ChangeMessage } from '../contract/events.js';
import {
  MEETING_KINDS,
  type Meeting,
  type MeetingCreate,
  type MeetingKind,
  type MeetingsPage,
  type Rating,
  type RatingCreate,
  type RatingHistory,
} from '../contract/building-groups.js';
import { assertCanRead, userRoots } from '../auth/auth.service.js';
import { AppError } from '../errors.js';
import type { EventsRepository } from '../events/events.repository.js';
import { CODE_LENGTH, type RegionsService } from '../regions/regions.service.js';
import type { BuildingGroupsRepository } from './building-groups.repository.js';
import { DISTRICT_UTC_OFFSET_MS, districtToday } from '../contract/district-day.js';

/** The 三会 roll-up window: the last 12 months up to today. */
function yearAgo(now = Date.now()): string {
  const d = new Date(now + DISTRICT_UTC_OFFSET_MS);
  d.setUTCFullYear(d.getUTCFullYear() - 1);
  return d.toISOString().slice(0, 10);
}

/** A real calendar day (not 2026-02-30), not in the future and not before 2000: a 400 otherwise. */
function checkDay(field: string, day: string): void {
  const parsed = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== day) throw new AppError(400, 'bad_date', `${field} "${day}" is not a calendar day`);
  if (day > districtToday()) throw new AppError(400, 'bad_date', `${field} ${day} lies in the future`);
  if (day < '2000-01-01') throw new AppError(400, 'bad_date', `${field} ${day} is before 2000`);
}

/**
 * A building group's (楼组) records: 三会制 meetings and 星级楼组 ratings. Anyone may read them in their subtree;
 * administrators write in their subtree and coordinators in their grid (checked spatially). Each write commits
 * with its event (layer `meetings` or `ratings`, the building group's region) and is then fanned out.
 */
export class BuildingGroupsService {
  constructor(
    private readonly db: Db,
    private readonly records: BuildingGroupsRepository,
    private readonly events: EventsRepository,
    private readonly regions: RegionsService,
    private readonly publish: (message: ChangeMessage) => void,
  ) {}

  /** 403 outside the user's area → 404 unknown region (as GET /api/regions/:code). */
  private async readable(user: SessionUser, code: string) {
    assertCanRead(user, code);
    return this.regions.require(code);
  }

  /** A building group the user may write: 403 outside → 404 → 400 another level → 403 role or outside (spatially). */
  private async writable(user: SessionUser, code: string) {
    const region = await this.readable(user, code);
    if (code.length !== CODE_LENGTH.building_group) {
      throw new AppError(400, 'not_a_building_group', `Region ${code} is a ${region.level}; meetings and ratings belong to building groups (楼组)`);
    }
    if (user.role !== 'admin' && user.role !== 'coordinator') {
      throw new AppError(403, 'forbidden', 'Only administrators and the grid’s coordinators record meetings and ratings');
    }
    // Codes are names, not proof: the building group must lie inside the user's region as stored.
    if (!(await this.records.isInside(code, userRoots(user)))) {
      throw new AppError(403, 'forbidden_region', `Building group ${code} lies outside your area (${userRoots(user).join(', ')})`);
    }
    return region;
  }

  /** The subtree's meetings, newest first, one page; and the 三会 count per kind over the last 12 months. */
  async meetings(user: SessionUser, code: string, limit = 20, offset = 0): Promise<MeetingsPage> {
    await this.readable(user, code);
    const [page, counts] = await Promise.all([this.records.meetings(code, limit, offset), this.records.countByKind(code, yearAgo())]);
    const byKind = Object.fromEntries(MEETING_KINDS.map((k) => [k, 0])) as Record<MeetingKind, number>;
    for (const c of counts) byKind[c.kind] = c.n;
    return { ...page, limit, offset, byKind };
  }

  async addMeeting(user: SessionUser, code: string, body: MeetingCreate): Promise<Meeting> {
    checkDay('heldOn', body.heldOn);
    const region = await this.writable(user, code);
    const { meeting, message } = await this.db.transaction(async (tx) => {
      const meeting = await this.records.insertMeeting(tx, code, body, user.username);
      const { id, regionCode: _, regionName: __, createdBy: ___, createdAt: ____, ...after } = meeting;
      const event = await this.events.appendAndCommit(tx, {
        actor: user.username,
        layer: 'meetings',
        id: String(id),
        regionCode: code,
        op: 'create',
        before: null,
        after: { ...after, name: region.name },
      });
      return { meeting, message: { ...event, feature: null } as ChangeMessage };
    });
    this.publish(message);
    return meeting;
  }

  async ratings(user: SessionUser, code: string): Promise<RatingHistory> {
    const region = await this.readable(user, code);
    if (code.length !== CODE_LENGTH.building_group) {
      throw new AppError(400, 'not_a_building_group', `Region ${code} is a ${region.level}; star ratings belong to building groups (楼组)`);
    }
    return { code, ...(await this.records.ratings(code)) };
  }

  /** Records a rating; regions.star_rating becomes the latest rating (the event carries it before and after). */
  async addRating(user: SessionUser, code: string, body: RatingCreate): Promise<{ rating: Rating; current: number }> {
    checkDay('ratedOn', body.ratedOn);
    const region = await this.writable(user, code);
    const { result, message } = await this.db.transaction(async (tx) => {
      const { rating, before, after } = await this.records.insertRating(tx, code, body, user.username);
      const event = await this.events.appendAndCommit(tx, {
        actor: user.username,
        layer: 'ratings',
        id: String(rating.id),
        regionCode: code,
        op: 'create',
        before: { starRating: before },
        after: { starRating: after, stars: rating.stars, ratedOn: rating.ratedOn, reason: rating.reason, name: region.name },
      });
      return { result: { rating, current: after }, message: { ...event, feature: null } as ChangeMessage };
    });
    this.publish(message);
    return result;
  }
}
