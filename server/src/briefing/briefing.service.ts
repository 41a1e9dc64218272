import type { SessionUser } from '../contract/auth.js';
import type { RegionCoverage } from '../contract/coverage.js';
import type { CampaignProgress } from '../contract/events.js';
import type { LedgerSummary } from '../contract/ledger.js';
import type { RegionDetail, RegionStats } from '../contract/regions.js';
import { assertCanRead } from '../auth/auth.service.js';
import type { CampaignsService } from '../campaigns/campaigns.service.js';
import type { CoverageService, UncoveredCollection } from '../coverage/coverage.service.js';
import type { LedgerService } from '../ledger/ledger.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { BriefingRepository, CentreRow, DisputeRow, OutlineRow } from './briefing.repository.js';
import { briefingHtml } from './briefing.html.js';
import type { PdfPrinter } from './briefing.printer.js';

/** Everything one briefing shows, read with the requesting user's rights at one moment. */
export interface BriefingData {
  region: RegionDetail;
  stats: RegionStats;
  coverage: RegionCoverage;
  uncovered: UncoveredCollection;
  campaigns: CampaignProgress[];
  /** Open disputes, overdue first (the table prints the first rows; the map draws them all). */
  disputes: DisputeRow[];
  /** The 区域化党建 ledger's roll-up over its default period (the last 12 months), computed from records. */
  ledger: LedgerSummary;
  outlines: OutlineRow[];
  centres: CentreRow[];
  generatedAt: Date;
}

/** Open disputes the map draws at most (the district has a few hundred). */
const MAX_DISPUTES = 2000;

/** 简报: a region's one- or two-page A4 briefing for a joint meeting, printed by the server in Chromium. */
export class BriefingService {
  constructor(
    private readonly deps: {
      regions: RegionsService;
      coverage: CoverageService;
      campaigns: CampaignsService;
      ledger: LedgerService;
      repository: BriefingRepository;
      printer: PdfPrinter;
    },
  ) {}

  /** The figures of the briefing; 403 outside the user's area, 404 for an unknown region. */
  async data(user: SessionUser, code: string): Promise<BriefingData> {
    assertCanRead(user, code);
    const { regions, coverage, campaigns, ledger: ledgerService, repository } = this.deps;
    await regions.require(code);
    const [region, stats, cover, uncovered, list, disputes, ledger, outlines] = await Promise.all([
      regions.detail(code),
      regions.stats(code),
      coverage.region(user, code),
      coverage.uncovered(user, code),
      campaigns.list(user),
      repository.openDisputes(code, MAX_DISPUTES),
      ledgerService.summary(user, code),
      repository.outlines(code),
    ]);
    const active = list.filter((c) => c.status === 'active');
    const [progress, centres] = await Promise.all([
      Promise.all(active.map((c) => campaigns.progress(user, c.id, code))),
      repository.centresNear(code, cover.distanceM),
    ]);
    return { region, stats, coverage: cover, uncovered, campaigns: progress, disputes, ledger, outlines, centres, generatedAt: new Date() };
  }

  /** The briefing as A4 PDF bytes; 503 briefing_unavailable when Chromium cannot print. */
  async pdf(user: SessionUser, code: string): Promise<Buffer> {
    return this.deps.printer.pdf(briefingHtml(await this.data(user, code)));
  }
}
