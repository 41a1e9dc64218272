/** The building groups (楼组) of a coordinator's grids, each with a point inside it (where a wish is placed). */
import { pointOnFeature } from '@turf/turf';
import { fetchChildren } from '../../../lib/api/regions';

export interface GroupChoice {
  code: string;
  name: string;
  /** A point inside the group's outline (not its centroid, which may fall outside a concave one). */
  inner: [number, number];
}

export async function buildingGroupsOf(grids: readonly string[], signal?: AbortSignal): Promise<GroupChoice[]> {
  const lists = await Promise.all(grids.filter((g) => g.length === 14).map((g) => fetchChildren(g, { signal })));
  return lists.flatMap((fc) =>
    fc.features.map((f) => ({ code: f.properties.code, name: f.properties.name, inner: pointOnFeature(f).geometry.coordinates as [number, number] })),
  );
}
