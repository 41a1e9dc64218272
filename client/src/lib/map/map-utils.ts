import type { GeoJSONSource, Map as MaplibreMap } from 'maplibre-gl';
import type { FeatureCollection } from 'geojson';

/**
 * Remove a component's layers and source. Layer components are torn down together with MapView, possibly after
 * `map.remove()` already disposed of the style; there is nothing left to clean up then, so errors are ignored.
 */
export function removeLayersAndSource(map: MaplibreMap, layerIds: readonly string[], sourceId: string): void {
  try {
    for (const id of layerIds) if (map.getLayer(id)) map.removeLayer(id);
    if (map.getSource(sourceId)) map.removeSource(sourceId);
  } catch {
    /* map already removed */
  }
}

export function setSourceData(map: MaplibreMap, sourceId: string, data: FeatureCollection): void {
  map.getSource<GeoJSONSource>(sourceId)?.setData(data);
}

export function featureCollection<F extends FeatureCollection['features'][number]>(features: readonly F[]): FeatureCollection {
  return { type: 'FeatureCollection', features: features as F[] };
}
