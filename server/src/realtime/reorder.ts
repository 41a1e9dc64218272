/**
 * Releases seq-numbered messages in seq order. Writes commit concurrently, so their `publish` calls (and, with
 * several processes, the copies from the other processes) arrive slightly out of order; a message that runs ahead
 * is held until the ones before it arrive. Every committed event is published, so a hole only lasts as long as a
 * late publish — unless a process died between its commit and its publish. After `holdMs` the buffer asks
 * `recover` for the missing seqs (they are committed, so the event log has them) and releases them in order; only a
 * hole that cannot be recovered (the database is away) is skipped (`onSkip`), and clients then fetch what they
 * missed themselves. A message older than what was already released (it arrived after its hole was filled or
 * skipped, or twice) is dropped: releasing it would break the order.
 */
export class SeqReorderBuffer<T extends { seq: number }> {
  private next: number | undefined;
  private readonly held = new Map<number, T>();
  private timer: NodeJS.Timeout | undefined;
  private recovering = false;
  private closed = false;
  /** Messages dropped as late or duplicate (for tests and logs). */
  dropped = 0;

  constructor(
    private readonly release: (message: T) => void,
    private readonly options: {
      holdMs: number;
      /** The messages of seqs from..to, read from the event log. */
      recover?(from: number, to: number): Promise<T[]>;
      onSkip?(from: number, to: number): void;
    },
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
    this.closed = true;
  }

  private drain() {
    if (this.next !== undefined) {
      for (let m = this.held.get(this.next); m; m = this.held.get(this.next)) {
        this.held.delete(this.next);
        this.next++;
        this.release(m);
      }
    }
    if (!this.held.size) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // The hold counts from when the hole was first seen, not from the newest arrival.
    else if (!this.closed && !this.recovering) this.timer ??= setTimeout(() => void this.fillHole(), this.options.holdMs);
  }

  /** Recovers the hole before the lowest held seq from the log; skips it when that fails. */
  private async fillHole() {
    this.timer = undefined;
    const from = this.next ?? Math.min(...this.held.keys());
    const to = Math.min(...this.held.keys()) - 1;
    if (to >= from && this.options.recover) {
      this.recovering = true;
      try {
        for (const m of await this.options.recover(from, to)) this.push(m);
      } catch {
        // skipped below
      } finally {
        this.recovering = false;
      }
    }
    if (this.closed || !this.held.size) return;
    const lowest = Math.min(...this.held.keys());
    if (this.next === undefined) this.next = lowest;
    else if (this.next === from && lowest > from) {
      this.options.onSkip?.(from, lowest - 1);
      this.next = lowest;
    }
    this.drain();
  }
}
