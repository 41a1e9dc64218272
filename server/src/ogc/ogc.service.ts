import type { SessionUser } from '../contract/auth.js';
import { LAYERS, type LayerName } from '../contract/layers.js';
import { badRequest, notFound } from '../errors.js';
import { userRoots } from '../auth/auth.service.js';
import type { CollectionSource, Extent, ItemsPage, OgcRepository, RegionLevel } from './ogc.repository.js';

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
/** Page size without `limit`, and the largest page: a larger `limit` is clamped to it (OGC 17-069r4 §7.15.3). */
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
];

export interface Link {
  href: string;
  rel: string;
  type?: string;
  title?: string;
}

/** Builds absolute links from the request (routes own HTTP; the service only says where a link points). */
export interface Linker {
  /** `path` under the server root, keeping only the request's `token` (clients following links stay logged in). */
  to(path: string, params?: Record<string, string>): string;
  /** The requested URL with every query parameter kept, some replaced. */
  self(params?: Record<string, string | undefined>): string;
}

interface CollectionDef {
  id: string;
  title: string;
  description: string;
  /** Which property `datetime` filters on, in words (also in the description). */
  temporal: string;
  source: CollectionSource;
}

const LAYER_TEXT: Record<LayerName, { title: string; en: string; temporal: string }> = {
  compounds: { title: '楼院', en: 'Residential compounds', temporal: 'updatedAt (last change)' },
  'service-centres': { title: '党群服务中心', en: 'Party-masses service centres', temporal: 'updatedAt (last change)' },
  projects: { title: '“三项工程”项目', en: 'Governance projects (may be areas)', temporal: 'updatedAt (last change)' },
  'temp-branches': { title: '临时党支部', en: 'Temporary Party branches', temporal: 'foundedAt … dissolvedAt (whole days, UTC; open while active)' },
  disputes: { title: '矛盾纠纷', en: 'Disputes', temporal: 'reportedAt' },
  'member-units': { title: '区域化党建成员单位', en: 'Regional Party-building member units', temporal: 'updatedAt (last change)' },
  'micro-wishes': { title: '微心愿', en: 'Micro-wishes of residents, claimed and fulfilled by member units', temporal: 'updatedAt (last change)' },
};

const REGION_TEXT: Record<RegionLevel, { id: string; title: string; en: string }> = {
  street: { id: 'regions-street', title: '街道', en: 'Streets (sub-districts)' },
  community: { id: 'regions-community', title: '社区', en: 'Communities' },
  grid: { id: 'regions-grid', title: '网格', en: 'Grids' },
  building_group: { id: 'regions-building-group', title: '楼组', en: 'Building groups' },
};

const COLLECTIONS: CollectionDef[] = [
  ...LAYERS.map((layer) => {
    const t = LAYER_TEXT[layer];
    return { id: layer, title: t.title, description: `${t.en}; datetime filters on ${t.temporal}.`, temporal: t.temporal, source: { kind: 'layer', layer } as const };
  }),
  ...(Object.keys(REGION_TEXT) as RegionLevel[]).map((level) => {
    const t = REGION_TEXT[level];
    return {
      id: t.id,
      title: `${t.title}边界`,
      description: `${t.en}: boundaries; timeless, so every datetime matches them.`,
      temporal: 'none',
      source: { kind: 'regions', level } as const,
    };
  }),
];
const BY_ID = new Map(COLLECTIONS.map((c) => [c.id, c]));

export interface CollectionDoc {
  id: string;
  title: string;
  description: string;
  links: Link[];
  extent: { spatial?: { bbox: number[][]; crs: string }; temporal: { interval: (string | null)[][]; trs: string } };
  itemType: 'feature';
  crs: string[];
}

export interface ItemsQuery {
  bbox?: string;
  datetime?: string;
  limit?: number;
  offset?: number;
}

/** Names a collection in pages about its items. */
export type CollectionRef = { id: string; title: string };

export interface ItemsResult extends ItemsPage {
  collection: CollectionRef;
  links: Link[];
  timeStamp: string;
  offset: number;
  limit: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** One RFC 3339 date-time as ISO-8601 UTC, or a 400; checked field by field (Date would roll 30 February over). */
function instant(text: string): string {
  const m = RFC3339.exec(text.toUpperCase());
  const [y, mo, d, h, mi, s] = (m ?? []).slice(1, 7).map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (!m || mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || s > 60) {
    throw badRequest(`datetime "${text}" is not an RFC 3339 date-time such as 2026-05-01T08:00:00Z`);
  }
  return new Date(text.toUpperCase()).toISOString();
}

/** `datetime`: an instant, or `start/end` with `..` for an open end (OGC 17-069r4 §7.15.4). */
export function parseDatetime(text: string): { start?: string; end?: string } {
  const parts = text.split('/');
  if (parts.length === 1) {
    const at = instant(parts[0]);
    return { start: at, end: at };
  }
  if (parts.length !== 2 || (parts[0] === '..' && parts[1] === '..')) {
    throw badRequest('datetime must be an instant or an interval start/end (either end may be "..", not both)');
  }
  const [start, end] = parts.map((p) => (p === '..' ? undefined : instant(p)));
  if (start && end && start > end) throw badRequest('datetime interval starts after it ends');
  return { start, end };
}

/**
 * `bbox` as lon/lat (CRS84): four numbers, or six with heights, which are ignored (the data is 2D). A minLon
 * above maxLon is a box across the antimeridian, as the standard allows.
 */
export function parseOgcBbox(text: string): [number, number, number, number] {
  const n = text.split(',').map((p) => (p.trim() === '' ? NaN : Number(p)));
  if ((n.length !== 4 && n.length !== 6) || n.some((x) => !Number.isFinite(x))) {
    throw badRequest('bbox must be four numbers minLon,minLat,maxLon,maxLat (or six with heights)');
  }
  if (n.length === 6 && n[2] > n[5]) throw badRequest('bbox minimum height exceeds its maximum');
  const [minLon, minLat, maxLon, maxLat] = n.length === 6 ? [n[0], n[1], n[3], n[4]] : n;
  if ([minLon, maxLon].some((x) => x < -180 || x > 180) || [minLat, maxLat].some((y) => y < -90 || y > 90)) {
    throw badRequest('bbox is out of range: longitudes −180…180, latitudes −90…90');
  }
  if (minLat > maxLat) throw badRequest('bbox minimum latitude exceeds its maximum');
  return [minLon, minLat, maxLon, maxLat];
}

/** OGC API – Features Part 1 documents, limited to the user's region subtrees. */
export class OgcService {
  constructor(private readonly repo: OgcRepository) {}

  landing(links: Linker) {
    return {
      title: '基层治理态势图 OGC API – Features',
      description: '金水区党建引领基层治理：点位图层与各级区划边界 (Jinshui situation map: point layers and region boundaries)',
      links: [
        { href: links.self({ f: undefined }), rel: 'self', type: 'application/json', title: '本页 (JSON)' },
        { href: links.self({ f: 'html' }), rel: 'alternate', type: 'text/html', title: '本页 (HTML)' },
        { href: links.to('/docs/json'), rel: 'service-desc', type: 'application/json', title: 'OpenAPI 3.0 定义' },
        { href: links.to('/docs'), rel: 'service-doc', type: 'text/html', title: 'API 文档' },
        { href: links.to('/ogc/conformance'), rel: 'conformance', type: 'application/json', title: '符合性声明' },
        { href: links.to('/ogc/collections'), rel: 'data', type: 'application/json', title: '数据集合' },
      ] satisfies Link[],
    };
  }

  conformance() {
    return { conformsTo: CONFORMANCE };
  }

  async collections(user: SessionUser, links: Linker) {
    const extents = await this.repo.extents(COLLECTIONS, userRoots(user));
    return {
      links: [
        { href: links.self({ f: undefined }), rel: 'self', type: 'application/json', title: '本页 (JSON)' },
        { href: links.self({ f: 'html' }), rel: 'alternate', type: 'text/html', title: '本页 (HTML)' },
      ] satisfies Link[],
      collections: COLLECTIONS.map((c, i) => collectionDoc(c, extents[i], links)),
    };
  }

  async collection(user: SessionUser, id: string, links: Linker): Promise<CollectionDoc> {
    const def = requireCollection(id);
    const [extent] = await this.repo.extents([def], userRoots(user));
    return collectionDoc(def, extent, links);
  }

  async items(user: SessionUser, id: string, q: ItemsQuery, links: Linker): Promise<ItemsResult> {
    const def = requireCollection(id);
    const limit = Math.min(q.limit ?? DEFAULT_LIMIT, MAX_LIMIT);
    const offset = q.offset ?? 0;
    const page = await this.repo.items(def.source, {
      roots: userRoots(user),
      bbox: q.bbox === undefined ? undefined : parseOgcBbox(q.bbox),
      ...(q.datetime === undefined ? {} : parseDatetime(q.datetime)),
      limit,
      offset,
    });
    const out: Link[] = [
      { href: links.self({ f: undefined }), rel: 'self', type: 'application/geo+json', title: '本页 (GeoJSON)' },
      { href: links.self({ f: 'html' }), rel: 'alternate', type: 'text/html', title: '本页 (HTML)' },
    ];
    const { next, prev } = pageOffsets({ ...page, offset, limit });
    if (next !== undefined) out.push({ href: links.self({ f: undefined, offset: String(next) }), rel: 'next', type: 'application/geo+json', title: '下一页' });
    if (prev !== undefined) out.push({ href: links.self({ f: undefined, offset: String(prev) }), rel: 'prev', type: 'application/geo+json', title: '上一页' });
    out.push({ href: links.to(`/ogc/collections/${def.id}`), rel: 'collection', type: 'application/json', title: def.title });
    return { ...page, collection: { id: def.id, title: def.title }, links: out, timeStamp: new Date().toISOString(), offset, limit };
  }

  /** One feature with its links; outside the user's area it does not exist for them (404, nothing leaks). */
  async item(user: SessionUser, id: string, fid: string, links: Linker): Promise<{ feature: GeoJSON.Feature & { links: Link[] }; collection: CollectionRef }> {
    const def = requireCollection(id);
    const text = await this.repo.item(def.source, fid, userRoots(user));
    if (!text) throw notFound(`Feature ${fid} of collection ${def.id}`);
    const feature = JSON.parse(text) as GeoJSON.Feature & { links: Link[] };
    feature.links = [
      { href: links.self({ f: undefined }), rel: 'self', type: 'application/geo+json', title: '本要素 (GeoJSON)' },
      { href: links.self({ f: 'html' }), rel: 'alternate', type: 'text/html', title: '本要素 (HTML)' },
      { href: links.to(`/ogc/collections/${def.id}`), rel: 'collection', type: 'application/json', title: def.title },
    ];
    return { feature, collection: { id: def.id, title: def.title } };
  }
}

/** Offsets of the next and previous pages, where there are such pages. */
export function pageOffsets(p: { offset: number; limit: number; returned: number; matched: number }): { next?: number; prev?: number } {
  return {
    next: p.offset + p.returned < p.matched ? p.offset + p.limit : undefined,
    prev: p.offset > 0 ? Math.max(0, p.offset - p.limit) : undefined,
  };
}

function requireCollection(id: string): CollectionDef {
  const def = BY_ID.get(id);
  if (!def) throw notFound(`Collection "${id}" (known: ${COLLECTIONS.map((c) => c.id).join(', ')})`);
  return def;
}

function collectionDoc(def: CollectionDef, extent: Extent, links: Linker): CollectionDoc {
  const base = `/ogc/collections/${def.id}`;
  return {
    id: def.id,
    title: def.title,
    description: def.description,
    links: [
      { href: links.to(base), rel: 'self', type: 'application/json', title: def.title },
      { href: links.to(base, { f: 'html' }), rel: 'alternate', type: 'text/html', title: `${def.title} (HTML)` },
      { href: links.to(`${base}/items`), rel: 'items', type: 'application/geo+json', title: `${def.title}要素` },
      { href: links.to(`${base}/items`, { f: 'html' }), rel: 'items', type: 'text/html', title: `${def.title}要素 (HTML)` },
    ],
    extent: {
      ...(extent.bbox ? { spatial: { bbox: [extent.bbox], crs: CRS84 } } : {}),
      temporal: { interval: [[extent.start, extent.end]], trs: 'http://www.opengis.net/def/uom/ISO-8601/0/Gregorian' },
    },
    itemType: 'feature',
    crs: [CRS84],
  };
}
