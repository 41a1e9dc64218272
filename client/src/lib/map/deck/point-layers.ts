/**
 * deck.gl layer factories and symbology of the point layers (楼院, 党群服务中心, 项目, 临时党支部, 矛盾纠纷).
 * Factories, not components: a layer is a cheap description that deck diffs by `id` against the previous one.
 * Callers keep ids stable, pass the store's array (a new one per change) and its `dataDiff`, so a change
 * re-uploads one row; symbology tables are exported for the legend.
 */
import { IconLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { Texture } from '@luma.gl/core';
import type { LayerName } from '$contract/layers';
import type { MapPoint } from '../../state/points.svelte';
import type { PointProps } from '../../api/points';
import { createTiledPointLayer, type TileSymbology } from './tile-points';
import { buildIconAtlas, symbolKey, type IconAtlas, type Rgb, type ShapeName, type SymbolSpec } from './point-symbols';

/** The layers a situation map draws as points (member units are listed, not mapped). */
export const MAP_POINT_LAYERS = ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'micro-wishes'] as const satisfies readonly LayerName[];
export type MapPointLayer = (typeof MAP_POINT_LAYERS)[number];

type DataDiff = (newData: unknown, oldData?: unknown) => { startRow: number; endRow?: number }[] | undefined;

export interface PointSource {
  points: readonly MapPoint[];
  dataDiff: DataDiff;
}

const GREY: Rgb = [120, 134, 156];

/** 楼院 by campaign status: ordinary compounds recede, campaign targets (unmanaged compounds) show their stage. */
export const COMPOUND_STATUS_COLORS: Record<string, Rgb> = {
  normal: [110, 126, 150],
  pending: [251, 146, 60],
  in_progress: [56, 189, 248],
  done: [110, 231, 183],
  verified: [16, 185, 129],
};
const COMPOUND_RADIUS = (status: string) => (status === 'normal' ? 1.4 : 3);

/** 党群服务中心 by floor-area tier: a distinct symbol and size per tier (street centre / 1000 m² / 500 m²). */
export const SERVICE_CENTRE_TIERS = {
  street: { shape: 'star', size: 22 },
  '1000': { shape: 'diamond', size: 13 },
  '500': { shape: 'square', size: 9 },
} as const satisfies Record<string, { shape: ShapeName; size: number }>;
export type ServiceCentreTier = keyof typeof SERVICE_CENTRE_TIERS;
export const SERVICE_CENTRE_COLORS: Record<string, Rgb> = { open: [242, 193, 78], renovating: [251, 146, 60], closed: GREY };

/** "三项工程、一项管理" projects by status. */
export const PROJECT_SHAPE: ShapeName = 'triangle';
export const PROJECT_STATUS_COLORS: Record<string, Rgb> = {
  planned: [148, 163, 184],
  in_progress: [96, 165, 250],
  completed: [45, 212, 191],
  accepted: [190, 242, 100],
};

/** 临时党支部: Party red while active. */
export const TEMP_BRANCH_SHAPE: ShapeName = 'flag';
export const TEMP_BRANCH_STATUS_COLORS: Record<string, Rgb> = { active: [230, 57, 70], dissolved: GREY };

/** 矛盾纠纷 (open cases only) by severity. */
export const DISPUTE_SEVERITY_STYLE: Record<string, { color: Rgb; radius: number }> = {
  high: { color: [255, 77, 94], radius: 6.5 },
  medium: { color: [255, 159, 67], radius: 5 },
  low: { color: [255, 214, 92], radius: 4 },
};
export const OVERDUE_COLOR: Rgb = [255, 64, 64];

/** 微心愿 by status: pink while waiting for a member unit, amber once claimed, green when fulfilled. */
export const WISH_STATUS_COLORS: Record<string, Rgb> = { open: [255, 143, 199], claimed: [255, 200, 87], fulfilled: [62, 207, 142], cancelled: GREY };
const WISH_RADIUS = 4;

const tierOf = (p: MapPoint): ServiceCentreTier => {
  const t = String(p.props.tier);
  return t in SERVICE_CENTRE_TIERS ? (t as ServiceCentreTier) : '500';
};

export function serviceCentreSymbol(tier: ServiceCentreTier, status: string): SymbolSpec {
  return { shape: SERVICE_CENTRE_TIERS[tier].shape, fill: SERVICE_CENTRE_COLORS[status] ?? GREY };
}
export const projectSymbol = (status: string): SymbolSpec => ({ shape: PROJECT_SHAPE, fill: PROJECT_STATUS_COLORS[status] ?? GREY });
export const tempBranchSymbol = (status: string): SymbolSpec => ({ shape: TEMP_BRANCH_SHAPE, fill: TEMP_BRANCH_STATUS_COLORS[status] ?? GREY });

let atlas: IconAtlas | null = null;
/** One atlas for every symbol of every layer, built on first use (it needs a document). */
function iconAtlas(): IconAtlas {
  atlas ??= buildIconAtlas([
    ...(Object.keys(SERVICE_CENTRE_TIERS) as ServiceCentreTier[]).flatMap((tier) =>
      Object.keys(SERVICE_CENTRE_COLORS).map((s) => serviceCentreSymbol(tier, s)),
    ),
    ...Object.keys(PROJECT_STATUS_COLORS).map(projectSymbol),
    ...Object.keys(TEMP_BRANCH_STATUS_COLORS).map(tempBranchSymbol),
    { shape: 'square', fill: GREY },
    { shape: 'diamond', fill: GREY },
    { shape: 'star', fill: GREY },
    { shape: PROJECT_SHAPE, fill: GREY },
    { shape: TEMP_BRANCH_SHAPE, fill: GREY },
  ]);
  return atlas;
}

const position = (p: MapPoint) => p.position;
const status = (p: MapPoint) => p.props.status;

export function createCompoundLayer(source: PointSource, visible: boolean) {
  return new ScatterplotLayer<MapPoint>({
    id: 'points-compounds',
    data: source.points as MapPoint[],
    _dataDiff: source.dataDiff as never,
    visible,
    getPosition: position,
    getFillColor: (p) => COMPOUND_STATUS_COLORS[status(p)] ?? GREY,
    getRadius: (p) => COMPOUND_RADIUS(status(p)),
    radiusUnits: 'pixels',
    stroked: false,
    pickable: false,
  });
}

function createIconLayer(id: string, source: PointSource, visible: boolean, symbol: (p: MapPoint) => SymbolSpec, size: (p: MapPoint) => number) {
  const { atlas: image, mapping } = iconAtlas();
  return new IconLayer<MapPoint>({
    id,
    data: source.points as MapPoint[],
    _dataDiff: source.dataDiff as never,
    visible,
    // A canvas is accepted like an image and uploaded once; the typings only list URLs and textures.
    iconAtlas: image as unknown as Texture,
    iconMapping: mapping,
    getIcon: (p) => symbolKey(symbol(p)),
    getPosition: position,
    getSize: size,
    sizeUnits: 'pixels',
    billboard: true,
    pickable: false,
    // Symbols are flat overlays: never hidden behind the region fills by depth.
    parameters: { depthCompare: 'always' },
  });
}

export function createServiceCentreLayer(source: PointSource, visible: boolean) {
  return createIconLayer('points-service-centres', source, visible, (p) => serviceCentreSymbol(tierOf(p), status(p)), (p) => SERVICE_CENTRE_TIERS[tierOf(p)].size);
}

export function createProjectLayer(source: PointSource, visible: boolean) {
  return createIconLayer('points-projects', source, visible, (p) => projectSymbol(status(p)), () => 10);
}

export function createTempBranchLayer(source: PointSource, visible: boolean) {
  return createIconLayer('points-temp-branches', source, visible, (p) => tempBranchSymbol(status(p)), () => 9);
}

export function createWishLayer(source: PointSource, visible: boolean) {
  return new ScatterplotLayer<MapPoint>({
    id: 'points-micro-wishes',
    data: source.points as MapPoint[],
    _dataDiff: source.dataDiff as never,
    visible,
    getPosition: position,
    getFillColor: (p) => WISH_STATUS_COLORS[status(p)] ?? GREY,
    getRadius: WISH_RADIUS,
    radiusUnits: 'pixels',
    stroked: true,
    getLineColor: [6, 11, 20, 220],
    lineWidthUnits: 'pixels',
    getLineWidth: 1,
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}

/** Open disputes. `points` is a filtered array (a few dozen), so it is passed without a row diff. */
export function createDisputeLayer(points: readonly MapPoint[], visible: boolean) {
  return new ScatterplotLayer<MapPoint>({
    id: 'points-disputes',
    data: points as MapPoint[],
    visible,
    getPosition: position,
    getFillColor: (p) => DISPUTE_SEVERITY_STYLE[String(p.props.severity)]?.color ?? DISPUTE_SEVERITY_STYLE.low.color,
    getRadius: (p) => DISPUTE_SEVERITY_STYLE[String(p.props.severity)]?.radius ?? 4,
    radiusUnits: 'pixels',
    stroked: true,
    getLineColor: [6, 11, 20, 235],
    lineWidthUnits: 'pixels',
    getLineWidth: 1.5,
    pickable: false,
    parameters: { depthCompare: 'always' },
  });
}

/** The tile path's look of each layer: the same tables as the factories above, over a point's properties. */
function tileSymbology(layer: Exclude<MapPointLayer, 'disputes'>): TileSymbology {
  const p = (props: PointProps) => ({ id: props.id, position: [0, 0], props }) as MapPoint;
  if (layer === 'compounds') {
    return { kind: 'circle', fill: (q) => COMPOUND_STATUS_COLORS[q.status] ?? GREY, radius: (q) => COMPOUND_RADIUS(q.status) };
  }
  if (layer === 'micro-wishes') return { kind: 'circle', fill: (q) => WISH_STATUS_COLORS[q.status] ?? GREY, radius: () => WISH_RADIUS };
  const { atlas: image, mapping } = iconAtlas();
  const symbol =
    layer === 'service-centres'
      ? (q: PointProps) => serviceCentreSymbol(tierOf(p(q)), q.status)
      : layer === 'projects'
        ? (q: PointProps) => projectSymbol(q.status)
        : (q: PointProps) => tempBranchSymbol(q.status);
  const size = layer === 'service-centres' ? (q: PointProps) => SERVICE_CENTRE_TIERS[tierOf(p(q))].size : layer === 'projects' ? () => 10 : () => 9;
  return { kind: 'icon', icon: (q) => symbolKey(symbol(q)), iconSize: size, iconAtlas: image, iconMapping: mapping };
}

export interface WallTileOptions {
  region: string;
  token: string | null;
  /** Ids changed live (drawn by the GeoJSON layer of the same store): hidden in the tiles. */
  overridden: ReadonlySet<string>;
  /** Bumped when the tiles are stale as a whole (an import): a new layer id loads them afresh. */
  generation: number;
  extent: [number, number, number, number] | null;
}

/** A layer too large for one load, from vector tiles, drawn under its store's live overrides. */
export function createTiledLayer(layer: Exclude<MapPointLayer, 'disputes'>, visible: boolean, o: WallTileOptions) {
  return createTiledPointLayer({
    id: `tiles-${layer}-${o.generation}`,
    layer,
    query: { region: o.region },
    token: o.token,
    visible,
    hidden: (q) => o.overridden.has(q.id),
    hiddenKey: o.overridden,
    extent: o.extent,
    symbology: tileSymbology(layer),
  });
}
