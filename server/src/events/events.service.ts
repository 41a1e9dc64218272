import type { SessionUser } from '../contract/auth.js';
import type { EventsPage } from '../contract/events.js';
import { assertCanRead, userRoots } from '../auth/auth.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { EventsRepository } from './events.repository.js';

export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly regions: RegionsService,
  ) {}

  /** Events of a region subtree; without a region, of all the user's subtrees (every grid of a coordinator). */
  async since(user: SessionUser, since: number, limit: number, regionCode?: string): Promise<EventsPage> {
    if (regionCode === undefined) return this.events.since(since, limit, userRoots(user));
    assertCanRead(user, regionCode);
    await this.regions.require(regionCode);
    return this.events.since(since, limit, [regionCode]);
  }

  lastSeq = () => this.events.lastSeq();
}
