/**
 * Counts failed logins per key (username, client address) in a sliding window. Only failures count, so a user
 * who logs in correctly is never throttled — which @fastify/rate-limit (counting every request) cannot express.
 * Per process: behind several processes each keeps its own window, which only loosens the limit N-fold.
 */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    return recent.length >= this.max ? recent[0] + this.windowMs - now : 0;
  }

  fail(key: string, now = Date.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key); // keeps the map from growing with every address ever seen
    return list;
  }
}
