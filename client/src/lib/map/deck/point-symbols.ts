/**
 * Map symbols drawn at run time: each shape is one SVG path in a 64×64 box, used twice — rasterised (Path2D)
 * into the icon atlas of deck.gl's IconLayer, and inlined as <svg> in the legend — so the legend cannot drift
 * from the map. No sprite file is fetched (the map works offline), and no data:/blob: URL is loaded (the CSP's
 * connect-src would refuse it): the atlas is a canvas handed to deck.gl directly.
 */
export type Rgb = readonly [number, number, number];

function starPath(): string {
  const pts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? 29 : 12.5;
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    pts.push(`${(32 + r * Math.cos(a)).toFixed(2)} ${(34 + r * Math.sin(a)).toFixed(2)}`);
  }
  return `M${pts.join('L')}Z`;
}

export const SHAPES = {
  circle: 'M6 32a26 26 0 1 0 52 0a26 26 0 1 0 -52 0Z',
  square: 'M11 11H53V53H11Z',
  diamond: 'M32 4L60 32L32 60L4 32Z',
  triangle: 'M32 6L60 56H4Z',
  star: starPath(),
  // A pennant on a pole: temporary Party branches (临时党支部) "plant the flag" on a site.
  flag: 'M13 4H19V60H13ZM19 6L57 19L19 32Z',
} as const;

export type ShapeName = keyof typeof SHAPES;

export interface SymbolSpec {
  shape: ShapeName;
  fill: Rgb;
}

export const symbolKey = (s: SymbolSpec) => `${s.shape}:${s.fill.join(',')}`;

export const rgbCss = (c: Rgb, alpha = 1) => (alpha === 1 ? `rgb(${c.join(' ')})` : `rgb(${c.join(' ')} / ${alpha})`);

const CELL = 64;
/**
 * Empty space around each cell. Symbols are drawn at ~10 px from 64 px cells, i.e. from a small mipmap level,
 * where texels of neighbouring cells would blend in (a red flag with a blue rim) without a wide gutter.
 */
const GUTTER = 32;
const PITCH = CELL + GUTTER;
/** Dark outline so a symbol reads on every choropleth class. */
const OUTLINE = 'rgba(6, 11, 20, 0.92)';

export interface IconAtlas {
  atlas: HTMLCanvasElement;
  mapping: Record<string, { x: number; y: number; width: number; height: number; mask: false }>;
}

/** Rasterises each distinct symbol once into one canvas. Pixel size on the map is set by the layer. */
export function buildIconAtlas(specs: readonly SymbolSpec[]): IconAtlas {
  const unique = [...new Map(specs.map((s) => [symbolKey(s), s])).values()];
  const cols = Math.max(1, Math.ceil(Math.sqrt(unique.length)));
  const rows = Math.max(1, Math.ceil(unique.length / cols));
  const atlas = document.createElement('canvas');
  atlas.width = cols * PITCH;
  atlas.height = rows * PITCH;
  const g = atlas.getContext('2d')!;
  const mapping: IconAtlas['mapping'] = {};
  unique.forEach((s, i) => {
    const x = (i % cols) * PITCH + GUTTER / 2;
    const y = Math.floor(i / cols) * PITCH + GUTTER / 2;
    g.save();
    g.translate(x, y);
    // Shrink a little so the outline stays inside the cell (neighbours would bleed into each other).
    g.translate(CELL * 0.06, CELL * 0.06);
    g.scale(0.88, 0.88);
    const path = new Path2D(SHAPES[s.shape]);
    g.lineJoin = 'round';
    g.lineWidth = 7;
    g.strokeStyle = OUTLINE;
    g.stroke(path);
    g.fillStyle = rgbCss(s.fill);
    g.fill(path);
    g.restore();
    mapping[symbolKey(s)] = { x, y, width: CELL, height: CELL, mask: false };
  });
  return { atlas, mapping };
}
