/**
 * deck.gl layer factory for the wall's region names: there they must stay legible over thousands of deck.gl
 * symbols, so deck.gl draws them, above those (the leader draws its names with MapLibre, RegionLabels.svelte).
 * A factory, not a component, because deck layers are cheap immutable descriptions: a new instance with the same
 * `id` is diffed against the old one, so building one per change is the intended use. TextLayer rasterises the
 * characters it needs (`characterSet: 'auto'`) with the browser's fonts: no glyph files are fetched.
 */
import { TextLayer } from '@deck.gl/layers';
import type { LngLat } from '../../geo/geometry';
import { LABEL_FONT_FAMILY } from '../fonts';

export interface RegionLabel {
  code: string;
  name: string;
  position: LngLat;
}

export function createRegionLabelLayer(id: string, data: readonly RegionLabel[], size: number): TextLayer<RegionLabel> {
  return new TextLayer<RegionLabel>({
    id,
    data: data as RegionLabel[],
    characterSet: 'auto',
    fontFamily: LABEL_FONT_FAMILY,
    fontWeight: 600,
    // SDF glyphs allow the dark halo that keeps white text readable over the brightest choropleth class.
    // `outlineWidth` is measured against `radius` (10/16 of the SDF range); `buffer` leaves the atlas room for it.
    fontSettings: { sdf: true, fontSize: 64, buffer: 12, radius: 16, cutoff: 0.25 },
    outlineWidth: 10,
    outlineColor: [8, 14, 26, 235],
    getPosition: (d) => d.position,
    getText: (d) => d.name,
    getColor: [241, 245, 249, 255],
    getSize: size,
    sizeUnits: 'pixels',
    getTextAnchor: 'middle',
    getAlignmentBaseline: 'center',
    // Labels are not interactive: clicks fall through to the region fill below.
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}
