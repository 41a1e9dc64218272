/**
 * Keeping the camera deck.gl picks with (hovers) in step with the map.
 *
 * In interleaved mode @deck.gl/mapbox keeps its one Deck instance on the map as `map.__deck` (deck-utils.js,
 * getDeckInstance) — not a public property, hence this one wrapper.
 */
import type { Deck } from '@deck.gl/core';
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
