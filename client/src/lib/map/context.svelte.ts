/**
 * Per-map shared state, provided by MapView to the layer components inside it (the svelte-maplibre pattern).
 */
import { getContext, setContext, untrack } from 'svelte';
import type { Map as MaplibreMap } from 'maplibre-gl';
import type { LayersList } from '@deck.gl/core';

const KEY = Symbol('map-context');

export class MapContext {
  /** Set once the style has loaded; layer components render only after that, so they can add sources at once. */
  map = $state.raw<MaplibreMap | null>(null);
  /** True once the map went idle after the data it was last asked to show (see `settle`). */
  ready = $state(false);

  // Each component owns one slot; the overlay gets the flattened list. Replacing the record (never mutating it)
  // gives deck.gl a new array only when a slot really changed.
  #deckSlots = $state.raw<Record<string, LayersList>>({});
  deckLayers: LayersList = $derived(Object.values(this.#deckSlots).flat());

  #settleToken = 0;

  // Both are called from components' effects: reading the slots untracked keeps the caller's effect from
  // depending on (and re-running after) its own write.
  setDeckLayers(slot: string, layers: LayersList): void {
    untrack(() => {
      if (this.#deckSlots[slot] === layers) return;
      this.#deckSlots = { ...this.#deckSlots, [slot]: layers };
    });
  }

  clearDeckLayers(slot: string): void {
    untrack(() => {
      if (!(slot in this.#deckSlots)) return;
      const { [slot]: _removed, ...rest } = this.#deckSlots;
      this.#deckSlots = rest;
    });
  }

  /** Data is on its way: not ready until the next quiescent frame. */
  unsettle(): void {
    this.#settleToken++;
    this.ready = false;
  }

  /**
   * Mark the map ready at the first `idle` after now. Call it in the same task that hands the map new data
   * (setData, fitBounds): MapLibre only fires `idle` after a frame with every source loaded and no camera
   * animation running, so the frame that sets `ready` shows that data. A later call supersedes an earlier one.
   */
  settle(): void {
    const map = this.map;
    if (!map) return;
    const token = ++this.#settleToken;
    this.ready = false;
    const onIdle = () => {
      if (token !== this.#settleToken) return;
      this.ready = true;
    };
    map.once('idle', onIdle);
    // Unchanged data and camera would not schedule a frame, and without a frame there is no `idle`.
    map.triggerRepaint();
  }
}

export function setMapContext(ctx: MapContext): MapContext {
  return setContext(KEY, ctx);
}

export function getMapContext(): MapContext {
  const ctx = getContext<MapContext | undefined>(KEY);
  if (!ctx) throw new Error('map components must be placed inside <MapView>');
  return ctx;
}
