/**
 * Choropleth classification and colours. Pure functions with no map or DOM dependency, so the legend, the
 * MapLibre paint expression and the e2e test (which counts palette pixels in a screenshot) share one source.
 */
import type { ExpressionSpecification } from 'maplibre-gl';
import type { RegionKpis } from '$contract/regions';

export type ChoroplethMetric = keyof RegionKpis;

/** Metrics a leader can colour the map by, in menu order. */
export const CHOROPLETH_METRICS: readonly ChoroplethMetric[] = [
  'openDisputes',
  'overdueDisputes',
  'unmanagedCompounds',
  'projectsInProgress',
  'tempBranches',
  'serviceCentres',
  'compounds',
];

/**
 * Problems (disputes, unmanaged compounds) use a warm ramp, capacities (centres, branches, projects) a cool one,
 * so "more" never reads as "worse" for a good thing. Both run dark → bright: on the dark basemap the brightest
 * regions draw the eye, which is the point of a situation map. Colours are drawn at full opacity, so a
 * screenshot shows exactly these values away from edges and labels.
 */
export const PALETTES = {
  problem: ['#4b2a45', '#7c2d4a', '#b23a48', '#e0603f', '#f6a84a'],
  capacity: ['#173a52', '#1b5a72', '#1f7f8c', '#2da596', '#7bcfa6'],
} as const;

export type PaletteName = keyof typeof PALETTES;

export const METRIC_PALETTE: Record<ChoroplethMetric, PaletteName> = {
  openDisputes: 'problem',
  overdueDisputes: 'problem',
  unmanagedCompounds: 'problem',
  projectsInProgress: 'capacity',
  tempBranches: 'capacity',
  serviceCentres: 'capacity',
  compounds: 'capacity',
};

/** Regions whose figure is missing (never expected from our server, but a legend must not lie about it). */
export const NO_DATA_COLOR = '#2a3342';

export interface ChoroplethClass {
  /** Inclusive integer range. */
  from: number;
  to: number;
  color: string;
}

const MAX_CLASSES = 5;

/**
 * Quantile classes over integer counts. With 5 or fewer distinct values each value gets its own class, so a
 * handful of grids with 0/1/2 disputes do not end up with empty or fractional ranges.
 */
export function classify(values: readonly number[], palette: PaletteName): ChoroplethClass[] {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return [];
  const distinct = [...new Set(sorted)];
  let starts: number[];
  if (distinct.length <= MAX_CLASSES) {
    starts = distinct;
  } else {
    const set = new Set<number>([sorted[0]]);
    for (let k = 1; k < MAX_CLASSES; k++) set.add(sorted[Math.floor((k * sorted.length) / MAX_CLASSES)]);
    starts = [...set].sort((a, b) => a - b);
  }
  const colors = PALETTES[palette];
  const max = sorted[sorted.length - 1];
  return starts.map((from, i) => ({
    from,
    to: i + 1 < starts.length ? starts[i + 1] - 1 : max,
    // Spread fewer classes across the whole ramp so two classes are still far apart in colour.
    color: colors[starts.length === 1 ? 0 : Math.round((i * (colors.length - 1)) / (starts.length - 1))],
  }));
}

/** A `step` expression equivalent to `classes`; values below the first class (missing → -1) get NO_DATA_COLOR. */
export function fillColorExpression(metric: ChoroplethMetric, classes: readonly ChoroplethClass[]): ExpressionSpecification | string {
  if (!classes.length) return NO_DATA_COLOR;
  const stops = classes.flatMap((c) => [c.from, c.color]);
  return ['step', ['coalesce', ['get', metric], -1], NO_DATA_COLOR, ...stops] as ExpressionSpecification;
}
