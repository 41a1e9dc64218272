/**
 * Integer apportionment: turning shares into whole counts that add up exactly, so the seed's figures hold
 * to the unit (largest-remainder method).
 */

/** Rounds quotas to integers that sum to `total`, giving the leftover units to the largest fractions. */
export function largestRemainder(quotas: number[], total: number): number[] {
  const out = quotas.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const frac = (i: number) => quotas[i] - Math.floor(quotas[i]);
  const order = quotas.map((_, i) => i).sort((a, b) => frac(b) - frac(a) || a - b);
  for (const i of order) {
    if (left <= 0) break;
    out[i]++;
    left--;
  }
  return out;
}

/** Splits `total` in proportion to `weights`. */
export function apportion(weights: number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return largestRemainder(weights.map((w) => (w / sum) * total), total);
}

/** Like `apportion`, but no part gets fewer than `min` (parts below it are fixed at `min`, the rest re-split). */
export function apportionWithMinimum(total: number, weights: number[], min: number): number[] {
  const fixed = new Set<number>();
  for (;;) {
    const freeSum = weights.reduce((s, w, i) => (fixed.has(i) ? s : s + w), 0);
    const freeTotal = total - fixed.size * min;
    const quotas = weights.map((w, i) => (fixed.has(i) ? min : (w / freeSum) * freeTotal));
    const below = quotas.findIndex((q, i) => !fixed.has(i) && q < min);
    if (below < 0) return largestRemainder(quotas, total);
    fixed.add(below);
  }
}
