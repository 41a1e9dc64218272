/**
 * The moving parts of a live map, built to cost almost nothing per frame:
 * - overdue pulse: the radius and opacity are layer-wide uniforms (`radiusScale`, `opacity`), so a frame
 *   changes two numbers and no attribute is recomputed;
 * - change flashes: a handful of expanding rings whose radius comes from an accessor re-evaluated per frame
 *   through `updateTriggers` — only over the few flashes alive, never over the layer's data.
 * Layer ids are fixed; the data arrays change only when a case turns overdue or a flash starts or ends.
 */
import { ScatterplotLayer } from '@deck.gl/layers';
import type { LngLat } from '../../geo/geometry';
import type { MapPoint } from '../../state/points.svelte';
import { OVERDUE_COLOR } from './point-layers';
import type { Rgb } from './point-symbols';

export const PULSE_PERIOD_MS = 1600;
export const FLASH_MS = 2000;

export interface Flash {
  /** Unique per flash (seq of the change), so a point changed twice in a row flashes twice. */
  key: number;
  position: LngLat;
  color: Rgb;
  startedAt: number;
}

/** 0 → 1 over one pulse period. */
export const pulsePhase = (now: number) => (now % PULSE_PERIOD_MS) / PULSE_PERIOD_MS;

export function createOverduePulseLayer(points: readonly MapPoint[], now: number, visible: boolean) {
  const phase = pulsePhase(now);
  return new ScatterplotLayer<MapPoint>({
    id: 'disputes-overdue-pulse',
    data: points as MapPoint[],
    visible,
    getPosition: (p) => p.position,
    getRadius: 1,
    radiusUnits: 'pixels',
    // An expanding ring that fades as it grows: radius 7 → 25 px.
    radiusScale: 7 + 18 * phase,
    opacity: 0.95 * (1 - phase),
    filled: false,
    stroked: true,
    getLineColor: [...OVERDUE_COLOR, 255],
    lineWidthUnits: 'pixels',
    getLineWidth: 2.5,
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}

/** A solid core under the pulse, so an overdue case reads as red even between pulses. */
export function createOverdueCoreLayer(points: readonly MapPoint[], visible: boolean) {
  return new ScatterplotLayer<MapPoint>({
    id: 'disputes-overdue-core',
    data: points as MapPoint[],
    visible,
    getPosition: (p) => p.position,
    getRadius: 4.5,
    radiusUnits: 'pixels',
    stroked: true,
    getFillColor: [...OVERDUE_COLOR, 255],
    getLineColor: [255, 255, 255, 230],
    lineWidthUnits: 'pixels',
    getLineWidth: 1.5,
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}

/** The event the camera is showing: a wide red ring that keeps pulsing while the camera holds on it. */
export function createFocusLayer(positions: readonly LngLat[], now: number) {
  const phase = pulsePhase(now);
  return new ScatterplotLayer<LngLat>({
    id: 'event-focus',
    data: positions as LngLat[],
    getPosition: (p) => p,
    getRadius: 1,
    radiusUnits: 'pixels',
    radiusScale: 12 + 44 * phase,
    opacity: 1 - 0.85 * phase,
    filled: false,
    stroked: true,
    getLineColor: [255, 90, 90, 255],
    lineWidthUnits: 'pixels',
    getLineWidth: 4,
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}

const flashProgress = (f: Flash, now: number) => Math.min(1, Math.max(0, (now - f.startedAt) / FLASH_MS));

export function createFlashLayer(flashes: readonly Flash[], now: number) {
  return new ScatterplotLayer<Flash>({
    id: 'change-flashes',
    data: flashes as Flash[],
    getPosition: (f) => f.position,
    // Two quick rings per flash would be busier; one ring growing 6 → 46 px reads at wall distance.
    getRadius: (f) => 6 + 40 * flashProgress(f, now),
    getLineColor: (f) => [f.color[0], f.color[1], f.color[2], Math.round(255 * (1 - flashProgress(f, now)))],
    getFillColor: (f) => [f.color[0], f.color[1], f.color[2], Math.round(70 * (1 - flashProgress(f, now)))],
    radiusUnits: 'pixels',
    stroked: true,
    filled: true,
    lineWidthUnits: 'pixels',
    getLineWidth: 3,
    updateTriggers: { getRadius: now, getLineColor: now, getFillColor: now },
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}
