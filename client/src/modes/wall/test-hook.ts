/**
 * Read-only window hook for e2e tests and for inspecting a wall remotely (like `window.__map`): what the wall
 * holds for a point, which cannot be read from the pixels of a WebGL canvas.
 */
import type { PointProps } from '../../lib/api/points';
import type { WallState } from './wall.svelte';

export interface WallHook {
  point(layer: string, id: string): PointProps | null;
  /** Number of points held per layer. */
  counts(): Record<string, number>;
  /** Per layer drawn from vector tiles: how many of its points live changes override (hidden in the tiles). */
  tiled(): Record<string, number>;
}

declare global {
  interface Window {
    __wall?: WallHook;
  }
}

export function exposeWall(wall: WallState): () => void {
  const hook: WallHook = {
    point: (layer, id) => {
      const p = wall.point(layer, id);
      return p ? { ...p.props } : null;
    },
    counts: () => Object.fromEntries(Object.entries(wall.layers).map(([k, s]) => [k, s.size])),
    tiled: () => Object.fromEntries([...wall.tiles.layers].map((l) => [l, wall.layers[l].overridden.size])),
  };
  window.__wall = hook;
  return () => {
    if (window.__wall === hook) delete window.__wall;
  };
}
