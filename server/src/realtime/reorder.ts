/**
 * Releases seq-numbered messages in seq order. Writes commit concurrently, so their `publish` calls (and, with
 * several processes, the copies from the other processes) arrive slightly out of order; a message that runs ahead
 * is held until the ones before it arrive. Every committed event is published, so a hole only lasts as long as a
 * late publish — unless a process died between its commit and its publish: after `holdMs` the hole is skipped
 * (`onSkip`), and clients fetch what they missed from the event log. A message older than what was already released
 * (it arrived after its hole was skipped, or twice) is dropped: releasing it would break the order.
 */
export class SeqReorderBuffer<T extends { seq: number }> {
  private next: number | undefined;
  private readonly held = new Map<number, T>();
  private timer: NodeJS.Timeout | undefined;
  /** Messages dropped as late or duplicate (for tests and logs). */
  dropped = 0;

  constructor(
    private readonly release: (message: T) => void,
    private readonly options: { holdMs: number; onSkip?(from: number, to: number): void },
  ) {}

  /** The seq expected first (the last committed seq + 1 when the process starts). Until then, messages are held. */
  start(next: number): void {
    if (this.next !== undefined) return;
    this.next = next;
    for (const seq of this.held.keys()) if (seq < next) this.held.delete(seq);
    this.drain();
  }

  get started(): boolean {
    return this.next !== undefined;
  }

  /** The next seq this buffer will release (undefined before it is started). */
  get expected(): number | undefined {
    return this.next;
  }

  push(message: T): void {
    if ((this.next !== undefined && message.seq < this.next) || this.held.has(message.seq)) {
      this.dropped++;
      return;
    }
    this.held.set(message.seq, message);
    this.drain();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private drain() {
    if (this.next !== undefined) {
      for (let m = this.held.get(this.next); m; m = this.held.get(this.next)) {
        this.held.delete(this.next);
        this.next++;
        this.release(m);
      }
    }
    if (!this.held.size) this.close();
    // The hold counts from when the hole was first seen, not from the newest arrival.
    else this.timer ??= setTimeout(() => this.skip(), this.options.holdMs);
  }

  /** Gives up on the hole before the lowest held seq. */
  private skip() {
    this.timer = undefined;
    if (!this.held.size) return;
    const lowest = Math.min(...this.held.keys());
    if (this.next !== undefined && lowest > this.next) this.options.onSkip?.(this.next, lowest - 1);
    this.next = lowest;
    this.drain();
  }
}
