/**
 * One point layer held for a live map: features kept by id, updated in place by change events, and published to
 * deck.gl as a NEW array on every change (`$state.raw`, never mutated), so deck's shallow compare sees it. The
 * store also remembers which rows the last change touched and hands that to deck as `_dataDiff`: deck then
 * re-uploads the attributes of those rows only, not of the whole layer — a live wall updates by delta.
 *
 * A tiled store (a layer drawn from vector tiles, lib/map/deck/tile-points.ts) holds only the points changed
 * live since its tiles were chosen, and lists their ids in `overridden` (deleted ones too) for the tiles to hide.
 */
import type { Geometry } from 'geojson';
import type { LayerName } from '$contract/layers';
import type { LiveChange } from '../api/live';
import type { PointFeature, PointProps } from '../api/points';
import { labelPoint, type LngLat } from '../geo/geometry';

/** A point as deck.gl layers consume it. */
export interface MapPoint {
  id: string;
  position: LngLat;
  props: PointProps;
}

/** What applying a change did. `missing`: a point this store never saw was created; fetch it and `upsert` it. */
export type ApplyOutcome =
  | { kind: 'updated'; point: MapPoint; previous: MapPoint | undefined }
  | { kind: 'removed'; previous: MapPoint }
  | { kind: 'stale' | 'missing' | 'ignored' };

type RowRange = { startRow: number; endRow: number };

/** Properties of an event's `after` that are not feature properties. */
const EVENT_ONLY = new Set(['note']);

export function positionOf(geometry: Geometry | null | undefined): LngLat | null {
  if (!geometry) return null;
  if (geometry.type === 'Point') return [geometry.coordinates[0], geometry.coordinates[1]];
  // Projects may be polygons (SPEC §2): one marker at the polygon's pole of inaccessibility.
  if (geometry.type === 'Polygon' || geometry.type === 'MultiPolygon') return labelPoint(geometry);
  return null;
}

function toPoint(f: PointFeature): MapPoint | null {
  const position = positionOf(f.geometry);
  const id = f.properties?.id ?? (typeof f.id === 'string' ? f.id : null);
  return position && id ? { id, position, props: f.properties } : null;
}

/**
 * Publications remembered for `dataDiff`. deck.gl diffs when it next draws, which may be several changes after
 * the array it last saw (a burst between two frames), so the rows of consecutive publications are chained.
 */
const DIFF_HISTORY = 16;

interface Publication {
  from: readonly MapPoint[];
  to: readonly MapPoint[];
  rows: RowRange[];
}

export class PointLayerState {
  /** Replaced on every change; deck.gl compares it by identity. */
  points = $state.raw<readonly MapPoint[]>([]);

  /** Tiled store: ids changed live, which the tiles must not draw. Replaced on change. */
  overridden = $state.raw<ReadonlySet<string>>(new Set());
  tiled = false;

  #index = new Map<string, number>();
  /** Oldest first; cleared by any publication that moves rows (an insert or a removal). */
  #history: Publication[] = [];

  constructor(readonly layer: LayerName) {}

  /** Tiles draw this layer from now on: the store starts empty and collects live changes. */
  useTiles(tiled: boolean): void {
    this.tiled = tiled;
    this.overridden = new Set();
    if (tiled) this.load([]);
  }

  load(features: readonly PointFeature[]): void {
    const points: MapPoint[] = [];
    for (const f of features) {
      const p = toPoint(f);
      if (p) points.push(p);
    }
    this.#publish(points, null);
  }

  get(id: string): MapPoint | undefined {
    const i = this.#index.get(id);
    return i === undefined ? undefined : this.points[i];
  }

  get size(): number {
    return this.points.length;
  }

  /** Applies one change of this layer. Changes older than what is held (by `version`) are ignored. */
  apply(change: LiveChange): ApplyOutcome {
    const previous = this.get(change.id);
    if (change.op === 'delete') {
      this.#override(change.id);
      return previous ? this.#remove(previous) : { kind: 'ignored' };
    }
    if (change.feature) return this.upsert(change.feature as PointFeature);
    // A catch-up event carries the changed properties only, not the feature; a tiled store holds only the
    // points changed since its tiles, so any other one must be fetched.
    if (!previous) return { kind: change.op === 'create' || this.tiled ? 'missing' : 'ignored' };
    const after = change.after ?? {};
    if (typeof after.version === 'number' && after.version <= previous.props.version) return { kind: 'stale' };
    const props: PointProps = { ...previous.props };
    for (const [k, v] of Object.entries(after)) if (!EVENT_ONLY.has(k)) props[k] = v;
    return this.#replace(previous, { ...previous, props });
  }

  /** Puts a whole feature in (a socket change, or one fetched after a catch-up `create`). */
  upsert(feature: PointFeature): ApplyOutcome {
    const point = toPoint(feature);
    if (!point) return { kind: 'ignored' };
    this.#override(point.id);
    const previous = this.get(point.id);
    if (!previous) {
      this.#publish([...this.points, point], null);
      return { kind: 'updated', point, previous: undefined };
    }
    if (point.props.version < previous.props.version) return { kind: 'stale' };
    return this.#replace(previous, point);
  }

  /**
   * deck.gl `_dataDiff`: the rows that changed between the array deck last saw and this one, when both are in
   * the remembered chain of row-preserving publications; otherwise undefined, which makes deck update every
   * row (always correct, just slower).
   */
  dataDiff = (newData: unknown, oldData: unknown): RowRange[] | undefined => {
    const start = this.#history.findIndex((p) => p.from === oldData);
    if (start < 0) return undefined;
    const rows: RowRange[] = [];
    for (let i = start; i < this.#history.length; i++) {
      rows.push(...this.#history[i].rows);
      if (this.#history[i].to === newData) return rows;
    }
    return undefined;
  };

  #override(id: string): void {
    if (this.tiled && !this.overridden.has(id)) this.overridden = new Set([...this.overridden, id]);
  }

  #replace(previous: MapPoint, point: MapPoint): ApplyOutcome {
    const i = this.#index.get(previous.id)!;
    const next = this.points.slice();
    next[i] = point;
    this.#publish(next, [{ startRow: i, endRow: i + 1 }]);
    return { kind: 'updated', point, previous };
  }

  #remove(previous: MapPoint): ApplyOutcome {
    this.#publish(
      this.points.filter((p) => p.id !== previous.id),
      null,
    );
    return { kind: 'removed', previous };
  }

  #publish(points: readonly MapPoint[], rows: RowRange[] | null): void {
    if (rows) {
      // Same ids at the same rows: the index stays valid.
      this.#history.push({ from: this.points, to: points, rows });
      if (this.#history.length > DIFF_HISTORY) this.#history.shift();
    } else {
      this.#history = [];
      this.#index = new Map(points.map((p, i) => [p.id, i]));
    }
    this.points = points;
  }
}
