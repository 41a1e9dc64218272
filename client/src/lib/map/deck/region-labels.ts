/**
 * deck.gl layer factory for region names. A factory, not a component, because deck layers are cheap immutable
 * descriptions: a new instance with the same `id` is diffed against the old one, so building one per change is
 * the intended use.
 */
import { TextLayer } from '@deck.gl/layers';
import type { LngLat } from '../../geo/geometry';

export interface RegionLabel {
  code: string;
  name: string;
  position: LngLat;
}

/**
 * The system CJK font, so no glyph files are fetched: MapLibre symbol layers would need PBF glyphs from a URL,
 * while TextLayer rasterises the characters it needs (`characterSet: 'auto'`) with the browser's fonts.
 */
export const LABEL_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

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
