import type { ExpressionSpecification, GeoJSONSource, MapLayerMouseEvent, Map as MaplibreMap } from 'maplibre-gl';
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

/**
 * A constant paint value written as a per-feature expression (both branches alike). MapLibre compiles a shader
 * program per layer type *and* per mix of constant and per-feature paint properties; the choropleth's fill colour
 * is per feature, so a plain fill that states its colour this way shares the choropleth's program instead of
 * needing one more (a second each in software WebGL, before the first full map).
 */
export function perFeature(value: string | number): ExpressionSpecification {
  return ['case', ['==', ['id'], null], value, value];
}

export function setSourceData(map: MaplibreMap, sourceId: string, data: FeatureCollection): void {
  map.getSource<GeoJSONSource>(sourceId)?.setData(data);
}

export function featureCollection<F extends FeatureCollection['features'][number]>(features: readonly F[]): FeatureCollection {
  return { type: 'FeatureCollection', features: features as F[] };
}

export interface RegionPointerHandlers {
  /** The region code under the pointer (null on leaving) and the pointer's position. */
  hover(code: string | null, point: { x: number; y: number } | null): void;
  select(code: string): void;
}

/** Hover and click on a region fill layer whose features carry a `code`; returns the unbinding function. */
export function bindRegionPointer(map: MaplibreMap, layerId: string, handlers: RegionPointerHandlers): () => void {
  const codeOf = (e: MapLayerMouseEvent): string | null => {
    const code = e.features?.[0]?.properties?.code;
    return typeof code === 'string' ? code : null;
  };
  const onMove = (e: MapLayerMouseEvent) => {
    map.getCanvas().style.cursor = 'pointer';
    handlers.hover(codeOf(e), e.point);
  };
  const onLeave = () => {
    map.getCanvas().style.cursor = '';
    handlers.hover(null, null);
  };
  const onClick = (e: MapLayerMouseEvent) => {
    const code = codeOf(e);
    if (code) handlers.select(code);
  };
  map.on('mousemove', layerId, onMove);
  map.on('mouseleave', layerId, onLeave);
  map.on('click', layerId, onClick);
  return () => {
    map.off('mousemove', layerId, onMove);
    map.off('mouseleave', layerId, onLeave);
    map.off('click', layerId, onClick);
  };
}
