import crypto from 'node:crypto';
import type { RedisClient } from '../realtime/redis.js';

/** Failed-login counting per key in a sliding window; both implementations answer the same questions. */
export interface FailureCounter {
  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string, now?: number): number | Promise<number>;
  fail(key: string, now?: number): void | Promise<void>;
}

/**
 * Counts failed logins per key (username, client address) in a sliding window. Only failures count, so a user
 * who logs in correctly is never throttled — which @fastify/rate-limit (counting every request) cannot express.
 * Per process; with REDIS_URL set, RedisFailureLimiter shares the window between processes.
 */
export class FailureLimiter implements FailureCounter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

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

/**
 * The same window in Redis, shared by every server process: one sorted set per key (score = failure time),
 * trimmed to the window and expiring with it. While Redis is unreachable it falls back to this process's own
 * window (logins keep working, limited per process) rather than queueing behind the reconnecting client.
 */
export class RedisFailureLimiter implements FailureCounter {
  private readonly local: FailureLimiter;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {
    this.local = new FailureLimiter(max, windowMs);
  }

  async retryAfter(key: string, now = Date.now()): Promise<number> {
    if (!this.client.isReady) return this.local.retryAfter(key, now);
    const k = this.prefix + key;
    try {
      const [, count, oldest] = (await this.client
        .multi()
        .zRemRangeByScore(k, 0, now - this.windowMs)
        .zCard(k)
        .zRangeWithScores(k, 0, 0)
        .exec()) as unknown as [number, number, { score: number }[]];
      return Number(count) >= this.max ? oldest[0].score + this.windowMs - now : 0;
    } catch {
      return this.local.retryAfter(key, now);
    }
  }

  async fail(key: string, now = Date.now()): Promise<void> {
    this.local.fail(key, now);
    if (!this.client.isReady) return;
    const k = this.prefix + key;
    try {
      await this.client
        .multi()
        .zAdd(k, { score: now, value: `${now}:${crypto.randomUUID()}` })
        .pExpire(k, this.windowMs)
        .exec();
    } catch {
      /* counted locally */
    }
  }
}
