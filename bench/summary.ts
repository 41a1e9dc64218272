/**
 * The summary a scenario hands to `npm run bench` (bench/suite.ts): one JSON file per scenario,
 * `.tmp/bench/summary-<scenario>.json`, written at the end of a run. suite.ts removes it before starting the scenario
 * and prints its rows in the one table at the end; a scenario that writes none shows "see RESULTS-….md".
 */
import fs from 'node:fs';
import path from 'node:path';

export const SUMMARY_DIR = path.resolve(import.meta.dirname, '..', '.tmp', 'bench');

export interface SummaryRow {
  /** What was measured, e.g. "stats p50 at 10× (warm)". */
  what: string;
  /** The figure with its unit, e.g. "12.3 ms". */
  measured: string;
  /** The same-run baseline with its unit, or "—" when the target is absolute. */
  baseline: string;
  /** measured / baseline, or null. */
  ratio: number | null;
  /** The target in words, e.g. "≤ 50 ms", "≤ 1.5 ×". */
  target: string;
  /** null: report only (no target). */
  met: boolean | null;
}

export interface Summary {
  scenario: string;
  /** The RESULTS file the scenario wrote, relative to the repository root. */
  results: string;
  quick: boolean;
  rows: SummaryRow[];
}

export const summaryFile = (scenario: string) => path.join(SUMMARY_DIR, `summary-${scenario}.json`);

export function writeSummary(summary: Summary): void {
  fs.mkdirSync(SUMMARY_DIR, { recursive: true });
  fs.writeFileSync(summaryFile(summary.scenario), JSON.stringify(summary, null, 2));
}

export function readSummary(scenario: string): Summary | undefined {
  try {
    return JSON.parse(fs.readFileSync(summaryFile(scenario), 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

/** Fixed decimals, or "—" for NaN/Infinity. */
export const fmt = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
