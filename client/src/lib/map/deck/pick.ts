/**
 * Picking deck.gl objects from a MapLibre click.
 *
 * A deck layer's own `onClick` is no use on this map: deck's gesture recogniser holds a single click back until
 * the double-click interval has passed (~300 ms), by which time MapLibre's region fill has handled the same
 * click and the view has moved on. So components listen to MapLibre's `click` themselves and ask deck what lies
 * under the pointer.
 *
 * In interleaved mode @deck.gl/mapbox keeps its one Deck instance on the map as `map.__deck` (deck-utils.js,
 * getDeckInstance) — not a public property, hence this one wrapper. When MapContext exposes the overlay's
 * `pickObjectAsync`, this file is the only place to change.
 */
import type { Deck, PickingInfo } from '@deck.gl/core';
import type { Map as MaplibreMap } from 'maplibre-gl';

export interface PickOptions {
  x: number;
  y: number;
  /** Tolerance in pixels: a fingertip is not a mouse pointer. */
  radius?: number;
  layerIds?: string[];
}

/** The whole pick: `info.layer` is the top-level layer hit (a tile layer, not its per-tile sub-layer). */
export async function pickDeckInfo<T>(map: MaplibreMap, opts: PickOptions): Promise<PickingInfo<T> | null> {
  const deck = (map as unknown as { __deck?: Deck | null }).__deck;
  if (!deck?.isInitialized) return null;
  return (await deck.pickObjectAsync(opts)) as PickingInfo<T> | null;
}

export async function pickDeckObject<T>(map: MaplibreMap, opts: PickOptions): Promise<T | null> {
  return (await pickDeckInfo<T>(map, opts))?.object ?? null;
}
