import type { Map as MaplibreMap } from 'maplibre-gl';

declare global {
  interface Window {
    /** The leader map, exposed for e2e tests and debugging (see MapView.svelte). */
    __map?: MaplibreMap;
  }
}

export {};
