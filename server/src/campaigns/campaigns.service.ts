import crypto from 'node:crypto';
import type { Db } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import type { CampaignCreate, CampaignPreview, CampaignTargetFilter } from '../contract/admin.js';
import type { Campaign, CampaignProgress, ChangeMessage, RegionProgress } from '../contract/events.js';
import { TRANSITIONS, isLayerName } from '../contract/layers.js';
import { DISTRICT_CODE } from '../contract/regions.js';
import { assertCanRead, userRoots } from '../auth/auth.service.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { EventsRepository } from '../events/events.repository.js';
import { LAYER_MODELS } from '../layers/layers.model.js';
import { CODE_LENGTH, RollupCache, type RegionsService } from '../regions/regions.service.js';
import type { CampaignsRepository, CheckedFilter, TargetCount } from './campaigns.repository.js';

export interface CampaignsAdminDeps {
  db: Db;
  events: EventsRepository;
  /** Fans an audit event out after commit (Realtime.publish). */
  publish(message: ChangeMessage): void;
}

/** Moves of the campaign lifecycle: draft → active → closed. */
const MOVES = { open: { from: 'draft', to: 'active' }, close: { from: 'active', to: 'closed' } } as const;

/** Drafts exist for administrators only (as in list()); to anyone else a draft answers like an unknown id. */
const visible = <C extends { status: string }>(user: SessionUser, campaign: C | undefined): campaign is C =>
  campaign !== undefined && (campaign.status !== 'draft' || user.role === 'admin');

/** Campaign progress is always computed from the targets' current statuses, never stored. */
export class CampaignsService {
  /**
   * Target counts change only with an event (a target's status, a campaign's lifecycle). At 100× one count reads
   * every target of the campaign (0.5–0.9 s), and every leader page and wall asks for them as it opens.
   */
  private readonly counts: RollupCache<TargetCount[]>;

  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly regions: RegionsService,
    lastSeq: () => Promise<number>,
    private readonly admin?: CampaignsAdminDeps,
  ) {
    this.counts = new RollupCache(lastSeq);
  }

  /** Campaigns with their progress over all the user's subtrees; drafts only for admins. */
  async list(user: SessionUser): Promise<Campaign[]> {
    const rows = (await this.campaigns.list()).filter((c) => c.status !== 'draft' || user.role === 'admin');
    return Promise.all(rows.map((c) => this.summary(user, c)));
  }

  /** How many targets a campaign with this filter would get now (the form's live count). */
  async preview(user: SessionUser, body: CampaignCreate): Promise<CampaignPreview> {
    const filter = await this.checkCreate(user, body);
    return { targets: await this.campaigns.countTargets(filter) };
  }

  /** Creates a draft: its targets are the points the filter chooses now; commits with its audit event. */
  async create(user: SessionUser, body: CampaignCreate): Promise<Campaign> {
    const { db, events, publish } = this.requireAdminDeps();
    const filter = await this.checkCreate(user, body);
    const id = `${body.layer}-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${crypto.randomBytes(3).toString('hex')}`;
    const stored: CampaignTargetFilter = { region: body.targets.region, ...(body.targets.statuses ? { statuses: body.targets.statuses } : {}), ...(body.targets.where ? { where: body.targets.where } : {}) };
    const message = await db.transaction(async (tx) => {
      const targets = await this.campaigns.insertDraft(
        tx,
        { id, name: body.name, startsAt: body.startsAt, endsAt: body.endsAt, doneStatuses: body.doneStatuses, createdBy: user.username, filter: stored },
        filter,
      );
      const event = await events.appendAndCommit(tx, {
        actor: user.username,
        layer: 'campaigns',
        id,
        regionCode: null,
        op: 'create',
        before: null,
        after: { name: body.name, layer: body.layer, startsAt: body.startsAt, endsAt: body.endsAt, status: 'draft', doneStatuses: body.doneStatuses, targets, filter: stored },
      });
      return { ...event, feature: null } as ChangeMessage;
    });
    publish(message);
    const campaign = (await this.campaigns.find(id))!;
    return this.summary(user, campaign);
  }

  /** draft → active (`open`) or active → closed (`close`); any other state is a 409. */
  async move(user: SessionUser, id: string, move: keyof typeof MOVES): Promise<Campaign> {
    const { db, events, publish } = this.requireAdminDeps();
    const { from, to } = MOVES[move];
    const message = await db.transaction(async (tx) => {
      const campaign = await this.campaigns.find(id, tx, true);
      if (!campaign) throw notFound(`Campaign ${id}`);
      // A campaign made before filters existed covers the district.
      assertCanRead(user, campaign.filter?.region ?? DISTRICT_CODE);
      if (campaign.status !== from) {
        throw new AppError(409, 'invalid_campaign_state', `Campaign ${id} is ${campaign.status}; only a ${from} campaign can be ${move === 'open' ? 'opened' : 'closed'}`);
      }
      await this.campaigns.setStatus(tx, id, to);
      const event = await events.appendAndCommit(tx, {
        actor: user.username,
        layer: 'campaigns',
        id,
        regionCode: null,
        op: 'update',
        before: { status: from },
        after: { status: to, name: campaign.name },
      });
      return { ...event, feature: null } as ChangeMessage;
    });
    publish(message);
    return this.summary(user, (await this.campaigns.find(id))!);
  }

  private async summary(user: SessionUser, c: Omit<Campaign, 'targets' | 'done'> & { filter?: unknown }): Promise<Campaign> {
    const roots = userRoots(user);
    const counts = await this.counts.get(`${c.id}|${roots.join(',')}`, () => this.campaigns.statusCounts(c.id, c.layer, roots));
    const { targets, done } = summarise(counts, c.doneStatuses);
    const { filter: _, ...campaign } = c;
    return { ...campaign, targets, done };
  }

  /**
   * Checks a CampaignCreate: a window that ends after it starts, statuses of the layer, `where` keys that are
   * the layer's wire properties, a region inside the admin's subtree. Answers the filter for the repository.
   */
  private async checkCreate(user: SessionUser, body: CampaignCreate): Promise<CheckedFilter> {
    if (!isLayerName(body.layer)) throw badRequest(`Unknown layer "${body.layer}"`);
    const layer = body.layer;
    if (!(Date.parse(body.endsAt) > Date.parse(body.startsAt))) throw badRequest('A campaign must end after it starts');
    const known = Object.keys(TRANSITIONS[layer]);
    for (const [field, list] of [['doneStatuses', body.doneStatuses], ['targets.statuses', body.targets.statuses ?? []]] as const) {
      const unknown = list.filter((st) => !known.includes(st));
      if (unknown.length) throw new AppError(400, 'unknown_status', `${field}: unknown ${layer} status ${unknown.join(', ')}; known: ${known.join(', ')}`);
    }
    const where = Object.entries(body.targets.where ?? {}).map(([prop, value]) => {
      const column = prop === 'status' ? 'status' : LAYER_MODELS[layer].columns.find((c) => c.prop === prop)?.column;
      if (!column) {
        const props = ['status', ...LAYER_MODELS[layer].columns.map((c) => c.prop)];
        throw new AppError(400, 'unknown_property', `${layer} has no property "${prop}"; filter on: ${props.join(', ')}`);
      }
      return { column, value: String(value) };
    });
    assertCanRead(user, body.targets.region);
    await this.regions.require(body.targets.region);
    return { layer, region: body.targets.region, statuses: body.targets.statuses, where };
  }

  private requireAdminDeps(): CampaignsAdminDeps {
    if (!this.admin) throw new Error('CampaignsService was built without its administration dependencies');
    return this.admin;
  }

  /** Ids of the campaign's targets in a region, so the map can mark them. */
  async targets(user: SessionUser, id: string, regionCode = user.regionCode): Promise<{ layer: string; ids: string[] }> {
    assertCanRead(user, regionCode);
    const campaign = await this.campaigns.find(id);
    if (!visible(user, campaign)) throw notFound(`Campaign ${id}`);
    await this.regions.require(regionCode);
    return { layer: campaign.layer, ids: await this.campaigns.targetIds(id, campaign.layer, regionCode) };
  }

  async progress(user: SessionUser, id: string, regionCode = user.regionCode, at?: string): Promise<CampaignProgress> {
    assertCanRead(user, regionCode);
    const campaign = await this.campaigns.find(id);
    if (!visible(user, campaign)) throw notFound(`Campaign ${id}`);
    const region = await this.regions.detail(regionCode);
    const childLength = region.children.length ? region.children[0].code.length : CODE_LENGTH[region.level];
    const counts = await this.counts.get(`${id}|${regionCode}|${childLength}|${at ?? 'now'}`, () =>
      this.campaigns.targetCounts(id, campaign.layer, regionCode, childLength, at),
    );
    const own = summarise(counts, campaign.doneStatuses);
    const children: RegionProgress[] = region.children.map((child) => ({
      code: child.code,
      name: child.name,
      ...summarise(counts.filter((c) => c.code === child.code), campaign.doneStatuses),
    }));
    return { campaign: { ...campaign, targets: own.targets, done: own.done }, code: region.code, name: region.name, ...own, children };
  }
}

function summarise(counts: TargetCount[], doneStatuses: string[]) {
  const byStatus: Record<string, number> = {};
  for (const c of counts) byStatus[c.status] = (byStatus[c.status] ?? 0) + c.n;
  const targets = counts.reduce((a, c) => a + c.n, 0);
  const done = counts.filter((c) => doneStatuses.includes(c.status)).reduce((a, c) => a + c.n, 0);
  return { targets, done, byStatus };
}
