// The leader map's MapLibre point styling (client/src/modes/leader/point-layers.ts), evaluated by MapLibre's own
// expression engine (the style spec package maplibre-gl runs): overdue must agree with point-style.ts
// `isOverdue`, which the tooltip, the detail card and the lists use, and the tile filter must hide exactly the
// live-overridden ids and the points outside the attribute filter. The map's pixels are the e2e tests' part.
import { describe, expect, it } from 'vitest';
import { createExpression, featureFilter, type ExpressionSpecification, type FilterSpecification } from '@maplibre/maplibre-gl-style-spec';
import { pointPaint, tileFilter } from '../../client/src/modes/leader/point-layers.js';
import { isOverdue } from '../../client/src/modes/leader/point-style.js';
import { defaultLayerSettings } from '../../client/src/modes/leader/layer-settings.js';

type Props = Record<string, unknown>;
const feature = (properties: Props) => ({ type: 1 as const, id: undefined, properties, geometry: [] });

function evaluate(spec: unknown, properties: Props, state: Props = {}): unknown {
  const parsed = createExpression(spec as ExpressionSpecification);
  if (parsed.result !== 'success') throw new Error(JSON.stringify(parsed.value));
  return parsed.value.evaluate({ zoom: 12 }, feature(properties), state);
}

const passes = (filter: FilterSpecification | null, properties: Props) => !filter || featureFilter(filter).filter({ zoom: 12 }, feature(properties));

const dispute = (over: Props = {}) => ({ id: 'dp-1', status: 'reported', severity: 'high', deadline: '2026-12-14T05:26:00.000Z', ...over });

describe('leader point layers (MapLibre expressions)', () => {
  const before = Date.parse('2026-12-14T05:25:59.999Z');
  const after = Date.parse('2026-12-14T05:26:00.001Z');

  it('rings a dispute as overdue exactly when isOverdue says so, at the time judged', () => {
    for (const at of [before, after]) {
      for (const props of [dispute(), dispute({ status: 'resolved' }), dispute({ deadline: undefined })]) {
        const paint = pointPaint('disputes', 4, new Date(at).toISOString());
        const ringed = evaluate(paint['circle-stroke-width'], props) === 2.5;
        expect(ringed, `${props.status} ${props.deadline} at ${new Date(at).toISOString()}`).toBe(isOverdue('disputes', props, at));
      }
    }
    expect(isOverdue('disputes', dispute(), after)).toBe(true);
  });

  it('draws an overdue dispute larger, with a white ring', () => {
    const paint = pointPaint('disputes', 4, new Date(after).toISOString());
    expect(evaluate(paint['circle-radius'], dispute())).toBeGreaterThan(evaluate(paint['circle-radius'], dispute({ status: 'resolved' })) as number);
    expect(String(evaluate(paint['circle-stroke-color'], dispute()))).toBe(String(evaluate('#ffffff', {})));
  });

  it('never rings other layers, whatever their fields', () => {
    const paint = pointPaint('compounds', 4, new Date(after).toISOString());
    expect(evaluate(paint['circle-stroke-width'], { id: 'c-1', status: 'pending', deadline: '2000-01-01T00:00:00.000Z' })).toBe(1);
  });

  it('colours by status and lightens the hovered point', () => {
    const paint = pointPaint('compounds', 4, new Date(after).toISOString());
    const plain = String(evaluate(paint['circle-color'], { status: 'pending' }));
    expect(plain).toBe(String(evaluate('#f0544f', {})));
    expect(String(evaluate(paint['circle-color'], { status: 'pending' }, { hover: true }))).not.toBe(plain);
  });

  it('hides the live-overridden ids in the tiles, and only them', () => {
    const filter = tileFilter('compounds', new Set(['c-2']), defaultLayerSettings().compounds);
    expect(passes(filter, { id: 'c-1', kind: 'unmanaged' })).toBe(true);
    expect(passes(filter, { id: 'c-2', kind: 'unmanaged' })).toBe(false);
    expect(tileFilter('compounds', new Set(), defaultLayerSettings().compounds)).toBeNull();
  });

  it('hides tile points outside the attribute filter (the status filter is the server’s)', () => {
    const filter = tileFilter('disputes', undefined, { enabled: true, statuses: ['reported'], values: ['high'] });
    expect(passes(filter, dispute())).toBe(true);
    expect(passes(filter, dispute({ severity: 'low' }))).toBe(false);
    expect(passes(filter, dispute({ status: 'resolved' }))).toBe(true);
  });
});
