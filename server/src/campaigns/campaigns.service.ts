import type { SessionUser } from '../contract/auth.js';
import type { Campaign, CampaignProgress, RegionProgress } from '../contract/events.js';
import { assertCanRead } from '../auth/auth.service.js';
import { notFound } from '../errors.js';
import { CODE_LENGTH, type RegionsService } from '../regions/regions.service.js';
import type { CampaignsRepository, TargetCount } from './campaigns.repository.js';

/** Campaign progress is always computed from the targets' current statuses, never stored. */
export class CampaignsService {
  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly regions: RegionsService,
  ) {}

  async list(user: SessionUser): Promise<Campaign[]> {
    const rows = await this.campaigns.list();
    return Promise.all(
      rows.map(async (c) => {
        const counts = await this.campaigns.targetCounts(c.id, c.layer, user.regionCode, user.regionCode.length);
        const { targets, done } = summarise(counts, c.doneStatuses);
        return { ...c, targets, done };
      }),
    );
  }

  /** Ids of the campaign's targets in a region, so the map can mark them. */
  async targets(user: SessionUser, id: string, regionCode = user.regionCode): Promise<{ layer: string; ids: string[] }> {
    assertCanRead(user, regionCode);
    const campaign = await this.campaigns.find(id);
    if (!campaign) throw notFound(`Campaign ${id}`);
    await this.regions.require(regionCode);
    return { layer: campaign.layer, ids: await this.campaigns.targetIds(id, campaign.layer, regionCode) };
  }

  async progress(user: SessionUser, id: string, regionCode = user.regionCode, at?: string): Promise<CampaignProgress> {
    assertCanRead(user, regionCode);
    const campaign = await this.campaigns.find(id);
    if (!campaign) throw notFound(`Campaign ${id}`);
    const region = await this.regions.detail(regionCode);
    const childLength = region.children.length ? region.children[0].code.length : CODE_LENGTH[region.level];
    const counts = await this.campaigns.targetCounts(id, campaign.layer, regionCode, childLength, at);
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
