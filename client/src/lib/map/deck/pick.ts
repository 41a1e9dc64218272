/**
 * Picking deck.gl objects from a MapLibre click, and keeping the camera deck picks with in step with the map.
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

const deckOf = (map: MaplibreMap) => (map as unknown as { __deck?: Deck | null }).__deck;

/**
 * Call right after adding the interleaved overlay to the map. Each frame is drawn with the map's own camera, but
 * picking (clicks, hovers) projects with deck's `viewState`, which @deck.gl/mapbox 9.4 copies from the map when the
 * overlay is added and then on every map `move` — listening only from deck's `onLoad` on, a few frames later. A
 * camera change in between (the first FitBounds jump) was lost until the next pan or zoom, and every pick missed
 * its point by the pixels the camera had moved: nothing, or a neighbour, was picked. Fixed upstream in
 * visgl/deck.gl#10702 (after 9.4.0); until then deck gets the map's camera once it has loaded.
 */
export function syncDeckCameraOnLoad(map: MaplibreMap): void {
  const deck = deckOf(map);
  if (!deck || deck.isInitialized) return; // initialized already: @deck.gl/mapbox follows `move` from the start
  // @deck.gl/mapbox's own onLoad (it starts following `move`) runs first. MapboxOverlay.setProps never passes
  // onLoad unless given one, so this one stays.
  const onLoad = deck.props.onLoad;
  deck.setProps({
    onLoad: () => {
      onLoad();
      // As @deck.gl/mapbox's getViewState (not exported) reads it.
      const { lng, lat } = map.getCenter();
      const viewState = { longitude: lng, latitude: lat, zoom: map.getZoom(), bearing: map.getBearing(), pitch: map.getPitch(), padding: map.getPadding(), repeat: map.getRenderWorldCopies() };
      deck.setProps({ viewState });
    },
  });
}

export interface PickOptions {
  x: number;
  y: number;
  /** Tolerance in pixels: a fingertip is not a mouse pointer. */
  radius?: number;
  layerIds?: string[];
}

/** The whole pick: `info.layer` is the top-level layer hit (a tile layer, not its per-tile sub-layer). */
export async function pickDeckInfo<T>(map: MaplibreMap, opts: PickOptions): Promise<PickingInfo<T> | null> {
  const deck = deckOf(map);
  if (!deck?.isInitialized) return null;
  return (await deck.pickObjectAsync(opts)) as PickingInfo<T> | null;
}

export async function pickDeckObject<T>(map: MaplibreMap, opts: PickOptions): Promise<T | null> {
  return (await pickDeckInfo<T>(map, opts))?.object ?? null;
}
