// The ledger's default period ("the last 12 months") ends on the district's day, not on the UTC date: from 16:00 UTC
// Zhengzhou (UTC+8) is already on the next day.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LedgerService } from '../../server/src/ledger/ledger.service.js';

describe('ledger default period', () => {
  afterEach(() => vi.useRealTimers());

  it("ends on the district's day, also in the UTC evening", () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const service = new LedgerService({} as ConstructorParameters<typeof LedgerService>[0]); // period() reads no dependency
    vi.setSystemTime(new Date('2026-12-03T17:00:00Z')); // 01:00 on 4 December in Zhengzhou
    expect(service.period()).toEqual({ from: '2025-12-05', to: '2026-12-04' });
    vi.setSystemTime(new Date('2026-12-03T15:59:00Z')); // 23:59 on 3 December there
    expect(service.period()).toEqual({ from: '2025-12-04', to: '2026-12-03' });
  });
});
