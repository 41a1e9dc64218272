import type { RegionLevel } from '$contract/regions';

/**
 * The fonts map labels are drawn with: the system's CJK fonts, so no glyph or font file is fetched and the map
 * works with no internet (Debian: fonts-noto-cjk).
 */

/** As CSS, for text drawn by deck.gl's TextLayer (`characterSet: 'auto'` rasterises what it needs). */
export const LABEL_FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

/**
 * As a MapLibre `text-font` stack. The offline style sets no `glyphs` URL, so MapLibre (5.x) draws every glyph
 * itself (TinySDF, in a canvas) with these fonts instead of fetching PBF glyph ranges. It reads the weight from
 * the first name only (`…SemiBold` → 600), which need not exist as a family: the browser falls through to the next.
 */
export function labelFontStack(weight: 'Medium' | 'SemiBold'): string[] {
  return [`Noto Sans CJK SC ${weight}`, 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei'];
}

/** Region names' size by level: smaller for deeper levels, as there are more of them and each is smaller on screen. */
export const REGION_LABEL_SIZE: Record<RegionLevel, number> = { district: 18, street: 16, community: 14, grid: 13, building_group: 12 };
