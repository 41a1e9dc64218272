/**
 * SeqReorderBuffer (server/src/realtime/reorder.ts): what the live fan-out emits, in which order, when publishes
 * arrive out of seq order, twice, late, or never. Pure logic on real timers (a short hold).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqReorderBuffer } from '../../server/src/realtime/reorder.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function buffer(holdMs = 30) {
  const out: number[] = [];
  const skips: Array<[number, number]> = [];
  const b = new SeqReorderBuffer<{ seq: number }>((m) => out.push(m.seq), { holdMs, onSkip: (from, to) => skips.push([from, to]) });
  return { b, out, skips };
}

describe('SeqReorderBuffer', () => {
  it('releases any arrival order of a gap-free run in seq order, each seq once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), (first, keys) => {
        const seqs = keys.map((_, i) => first + i);
        const shuffled = seqs.map((s, i) => [keys[i], s]).sort((a, b) => a[0] - b[0]).map(([, s]) => s);
        const { b, out } = buffer();
        b.start(first);
        for (const s of [...shuffled, ...shuffled.slice(0, 3)]) b.push({ seq: s }); // a few duplicates too
        b.close();
        expect(out).toEqual(seqs);
        expect(b.dropped).toBe(Math.min(3, shuffled.length));
      }),
    );
  });

  it('holds a change that runs ahead until the one before it arrives', () => {
    const { b, out } = buffer(10_000);
    b.start(5);
    b.push({ seq: 6 });
    b.push({ seq: 7 });
    expect(out).toEqual([]);
    b.push({ seq: 5 });
    expect(out).toEqual([5, 6, 7]);
    b.close();
  });

  it('skips a seq that is never published after the hold, reports it, and drops it if it comes later', async () => {
    const { b, out, skips } = buffer(30);
    b.start(1);
    b.push({ seq: 1 });
    b.push({ seq: 3 });
    b.push({ seq: 4 });
    expect(out).toEqual([1]);
    await sleep(80);
    expect(out).toEqual([1, 3, 4]);
    expect(skips).toEqual([[2, 2]]);
    b.push({ seq: 2 });
    b.push({ seq: 5 });
    expect(out).toEqual([1, 3, 4, 5]);
    expect(b.dropped).toBe(1);
    b.close();
  });

  it('recovers a hole from the log after the hold and releases it in order; a late publish of it is dropped', async () => {
    const out: number[] = [];
    const asked: Array<[number, number]> = [];
    const b = new SeqReorderBuffer<{ seq: number }>((m) => out.push(m.seq), {
      holdMs: 30,
      recover: async (from, to) => {
        asked.push([from, to]);
        return Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i }));
      },
      onSkip: () => expect.fail('nothing should be skipped'),
    });
    b.start(1);
    for (const seq of [1, 4, 5]) b.push({ seq });
    expect(out).toEqual([1]);
    await sleep(80);
    expect(out).toEqual([1, 2, 3, 4, 5]);
    expect(asked).toEqual([[2, 3]]);
    b.push({ seq: 2 });
    expect(b.dropped).toBe(1);
    b.close();
  });

  it('skips a hole when recovering it fails, and recovers a later hole afresh', async () => {
    const out: number[] = [];
    const skips: Array<[number, number]> = [];
    let fail = true;
    const b = new SeqReorderBuffer<{ seq: number }>((m) => out.push(m.seq), {
      holdMs: 30,
      recover: async (from, to) => {
        if (fail) throw new Error('database away');
        return Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i }));
      },
      onSkip: (from, to) => skips.push([from, to]),
    });
    b.start(1);
    b.push({ seq: 3 });
    await sleep(80);
    expect(out).toEqual([3]);
    expect(skips).toEqual([[1, 2]]);
    fail = false;
    b.push({ seq: 6 });
    await sleep(80);
    expect(out).toEqual([3, 4, 5, 6]);
    expect(skips).toEqual([[1, 2]]);
    b.close();
  });

  it('before it knows the first seq, holds changes and then starts at the lowest one held', async () => {
    const { b, out, skips } = buffer(30);
    b.push({ seq: 12 });
    b.push({ seq: 11 });
    expect(out).toEqual([]);
    await sleep(80);
    expect(out).toEqual([11, 12]);
    expect(skips).toEqual([]);
    b.close();
  });

  it('drops changes committed before the start seq (they were never this process to send)', () => {
    const { b, out } = buffer();
    b.push({ seq: 9 });
    b.push({ seq: 10 });
    b.start(10);
    expect(out).toEqual([10]);
    b.close();
  });
});
