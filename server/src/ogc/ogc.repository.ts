import type { Queryable } from '../db/db.js';
import type { LayerName } from '../contract/layers.js';
import { LAYER_MODELS } from '../layers/layers.model.js';
import { featureSql, iso } from '../layers/layers.repository.js';

export type RegionLevel = 'street' | 'community' | 'grid' | 'building_group';

/** Where a collection's features live: a point layer, or one level of the region tree. */
export type CollectionSource = { kind: 'layer'; layer: LayerName } | { kind: 'regions'; level: RegionLevel };

/**
 * The temporal property of a collection, as SQL over row `t`: an instant column, or a date range whose open end
 * means "still going" (a temporary branch not yet dissolved). Regions carry no time and match every datetime.
 */
type Temporal = { instant: string } | { fromDate: string; toDate: string } | undefined;

/** Which column answers `datetime` per layer: the layer's own date where it has one, else the last change. */
const LAYER_TEMPORAL: Record<LayerName, Temporal> = {
  compounds: { instant: 't.updated_at' },
  'service-centres': { instant: 't.updated_at' },
  projects: { instant: 't.updated_at' },
  'temp-branches': { fromDate: 't.founded_at', toDate: 't.dissolved_at' },
  disputes: { instant: 't.reported_at' },
  'member-units': { instant: 't.updated_at' },
  'micro-wishes': { instant: 't.updated_at' },
};

/** A date as the instant its day starts, in UTC (the wire's time zone). */
const dayStart = (date: string) => `(${date}::timestamp AT TIME ZONE 'UTC')`;

interface SourceSql {
  /** `table AS t` */
  from: string;
  id: string;
  /** Read scope: $1 holds the LIKE patterns of the user's subtrees (`code%`); codes are digits, no wildcards. */
  scope: string;
  feature: string;
  temporal: Temporal;
}

function sourceSql(source: CollectionSource): SourceSql {
  if (source.kind === 'layer') {
    const model = LAYER_MODELS[source.layer];
    return { from: `${model.table} AS t`, id: 't.id', scope: 't.region_code LIKE ANY ($1::text[])', feature: featureSql(model), temporal: LAYER_TEMPORAL[source.layer] };
  }
  return {
    from: 'regions AS t',
    id: 't.code',
    scope: `t.level = '${source.level}' AND t.code LIKE ANY ($1::text[])`,
    // Boundaries are stored with 6 decimals (geodata/README.md); more would only add noise.
    feature: `json_build_object('type', 'Feature', 'id', t.code, 'geometry', ST_AsGeoJSON(t.geom, 6)::json,
      'properties', json_build_object('code', t.code, 'name', t.name, 'level', t.level, 'parentCode', t.parent_code,
                                      'starRating', t.star_rating))`,
    temporal: undefined,
  };
}

/** SQL: the row's temporal property intersects [$start, $end] (either end NULL = open). */
function timeFilter(temporal: Temporal, start: string, end: string): string {
  // Timeless rows match any datetime; the parameters are still named so Postgres can type them.
  if (!temporal) return `(${start} IS NULL OR ${end} IS NULL OR true)`;
  if ('instant' in temporal) return `(${start} IS NULL OR ${temporal.instant} >= ${start}) AND (${end} IS NULL OR ${temporal.instant} <= ${end})`;
  // Day granularity: a branch founded on D exists all of D, and one dissolved on D existed until D ended.
  return `(${end} IS NULL OR ${dayStart(temporal.fromDate)} <= ${end})
      AND (${start} IS NULL OR ${temporal.toDate} IS NULL OR ${dayStart(temporal.toDate)} + interval '1 day' > ${start})`;
}

/** SQL aggregates giving the temporal extent as ISO strings (NULL = open or unknown). */
function temporalExtent(temporal: Temporal): [string, string] {
  if (!temporal) return ['NULL', 'NULL'];
  if ('instant' in temporal) return [iso(`min(${temporal.instant})`), iso(`max(${temporal.instant})`)];
  return [
    iso(`min(${dayStart(temporal.fromDate)})`),
    `CASE WHEN bool_or(${temporal.toDate} IS NULL) THEN NULL ELSE ${iso(`(max(${dayStart(temporal.toDate)}) + interval '1 day')`)} END`,
  ];
}

/** SQL: geometry intersects the bbox in $2 (lon/lat; a minLon above maxLon crosses the antimeridian). */
const BBOX_FILTER = `($2::float8[] IS NULL
   OR ($2[1] <= $2[3] AND ST_Intersects(t.geom, ST_MakeEnvelope($2[1], $2[2], $2[3], $2[4], 4326)))
   OR ($2[1] > $2[3] AND (ST_Intersects(t.geom, ST_MakeEnvelope($2[1], $2[2], 180, $2[4], 4326))
                          OR ST_Intersects(t.geom, ST_MakeEnvelope(-180, $2[2], $2[3], $2[4], 4326)))))`;

export interface Extent {
  id: string;
  bbox: [number, number, number, number] | null;
  start: string | null;
  end: string | null;
}

export interface ItemsFilter {
  /** The user's subtree roots (region codes). */
  roots: string[];
  bbox?: [number, number, number, number];
  start?: string;
  end?: string;
  limit: number;
  offset: number;
}

export interface ItemsPage {
  matched: number;
  returned: number;
  /** A JSON array of GeoJSON Features, built in PostGIS: passed on without parsing. */
  features: string;
}

const patterns = (roots: string[]) => roots.map((r) => `${r}%`);

/** All SQL of the OGC API – Features endpoints. Table and column names come from code constants only. */
export class OgcRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Spatial and temporal extents of the data each user may read, for several collections in one round trip.
   * A collection with nothing visible falls back to the bbox of the user's own regions.
   */
  async extents(sources: { id: string; source: CollectionSource }[], roots: string[]): Promise<Extent[]> {
    const branches = sources.map(({ id, source }, i) => {
      const s = sourceSql(source);
      const [start, end] = temporalExtent(s.temporal);
      return `SELECT ${i} AS n, '${id}' AS id, e.box, e.start, e."end" FROM (
                SELECT COALESCE(ST_Extent(t.geom), (SELECT ST_Extent(geom) FROM regions WHERE code = ANY ($2::text[]))) AS box,
                       ${start} AS start, ${end} AS "end"
                  FROM ${s.from} WHERE ${s.scope}) AS e`;
    });
    const rows = await this.db.query<{ id: string; xmin: number | null; ymin: number; xmax: number; ymax: number; start: string | null; end: string | null }>(
      `SELECT id, ST_XMin(box) AS xmin, ST_YMin(box) AS ymin, ST_XMax(box) AS xmax, ST_YMax(box) AS ymax, start, "end"
         FROM (${branches.join('\n UNION ALL ')}) AS x ORDER BY n`,
      [patterns(roots), roots],
    );
    return rows.map((r) => ({ id: r.id, bbox: r.xmin === null ? null : [r.xmin, r.ymin, r.xmax, r.ymax], start: r.start, end: r.end }));
  }

  /** One page of a collection, in id order (stable paging), with the number of all matching features. */
  async items(source: CollectionSource, f: ItemsFilter): Promise<ItemsPage> {
    const s = sourceSql(source);
    const where = `${s.scope} AND ${BBOX_FILTER} AND ${timeFilter(s.temporal, '$3::timestamptz', '$4::timestamptz')}`;
    const [row] = await this.db.query<ItemsPage>(
      `WITH page AS (SELECT t.* FROM ${s.from} WHERE ${where} ORDER BY ${s.id} LIMIT $5 OFFSET $6)
       SELECT (SELECT count(*)::int FROM ${s.from} WHERE ${where}) AS matched,
              (SELECT count(*)::int FROM page) AS returned,
              (SELECT COALESCE(json_agg(${s.feature} ORDER BY ${s.id}), '[]')::text FROM page AS t) AS features`,
      [patterns(f.roots), f.bbox ?? null, f.start ?? null, f.end ?? null, f.limit, f.offset],
    );
    return row;
  }

  /** One feature as GeoJSON text, only when it lies in the user's subtrees (else undefined, like a missing one). */
  async item(source: CollectionSource, id: string, roots: string[]): Promise<string | undefined> {
    const s = sourceSql(source);
    const [row] = await this.db.query<{ feature: string }>(
      `SELECT ${s.feature}::text AS feature FROM ${s.from} WHERE ${s.id} = $2 AND ${s.scope}`,
      [patterns(roots), id],
    );
    return row?.feature;
  }
}
