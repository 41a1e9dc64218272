import type { SessionUser } from '../contract/auth.js';
import type { EventsPage } from '../contract/events.js';
import { assertCanRead } from '../auth/auth.service.js';
import type { RegionsService } from '../regions/regions.service.js';
import type { EventsRepository } from './events.repository.js';

export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly regions: RegionsService,
  ) {}

  async since(user: SessionUser, since: number, limit: number, regionCode = user.regionCode): Promise<EventsPage> {
    assertCanRead(user, regionCode);
    await this.regions.require(regionCode);
    return this.events.since(since, limit, regionCode);
  }

  lastSeq = () => this.events.lastSeq();
}
