/**
 * GeoJSON: a FeatureCollection streamed feature by feature with stream-json (a 100,000-feature file is never
 * held whole), or a single Feature, or a bare geometry. Row = 1-based feature number.
 *
 * stream-json yields tokens; a small synchronous state machine (in a Transform, so there is no promise per token)
 * keeps the top-level members (type, crs …) and hands each element of `features` to its own Assembler, so memory
 * holds one feature at a time.
 * An old-style (2008) `crs` member naming EPSG:4490 or 4326 before `features` is honoured, as ogr2ogr writes it;
 * it wins over the crs option, like a Shapefile's .prj. A Feature's `id` becomes the `id` property.
 */
import fs from 'node:fs';
import { Transform } from 'node:stream';
import { Assembler } from 'stream-json/assembler.js';
import { parser } from 'stream-json/parser.js';
import type { ImportCrs } from '../../contract/imports.js';
import { conversionFor, type CrsConversion } from '../crs.js';
import { SourceError, type ReadOptions, type Source, type SourceRecord } from '../source.js';
import { toRecord } from './geometry.js';
import { makeSource, tidyProperties } from './kit.js';

type Token = { name: string; value?: unknown };

const GEOMETRY_TYPES = ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection'];

/** EPSG code named by a GeoJSON 2008 `crs` member, mapped to the CRSs we accept; undefined when absent. */
function crsMember(crs: unknown): ImportCrs | undefined {
  const name = (crs as { properties?: { name?: unknown } } | null)?.properties?.name;
  if (typeof name !== 'string') return undefined;
  if (/CRS84$|EPSG:{1,2}4326$/i.test(name)) return 'wgs84';
  if (/EPSG:{1,2}4490$/i.test(name)) return 'cgcs2000';
  throw new SourceError('unreadable', `unsupported coordinate system in the GeoJSON "crs" member: ${name}`);
}

export async function openGeojson(file: string, options: ReadOptions): Promise<Source> {
  const total = (await fs.promises.stat(file)).size;
  const input = fs.createReadStream(file);
  let conversion: CrsConversion = conversionFor(options.crs ?? 'wgs84');

  async function* records(): AsyncGenerator<SourceRecord> {
    const tokens = input.pipe(parser.asStream({ streamValues: false }));
    input.on('error', (err) => tokens.destroy(err));
    let depth = 0;
    let key: string | null = null;
    // Top-level member being assembled (anything but `features`), and the feature being assembled.
    let member: Assembler | null = null;
    let feature: Assembler | null = null;
    let inFeatures = false;
    let seenFeatures = false;
    let row = 0;
    const top: Record<string, unknown> = {};
    const asFeature = (f: unknown): SourceRecord => {
      row += 1;
      const { type, geometry, properties, id } = (f ?? {}) as { type?: unknown; geometry?: unknown; properties?: unknown; id?: unknown };
      const props = tidyProperties(properties as Record<string, unknown>);
      // A Feature's own `id` (RFC 7946 §3.2) identifies it as well as a property does (our exports write both).
      if ((typeof id === 'string' || typeof id === 'number') && props.id === undefined) props.id = id;
      if (type !== 'Feature') return { row, geometry: null, properties: props, error: 'not a GeoJSON Feature' };
      return toRecord(row, geometry, props, conversion);
    };
    /** One token in; a finished feature's record out, or undefined. Synchronous: no promise per token. */
    const step = (tok: Token): SourceRecord | undefined => {
      if (feature) {
        feature.consume(tok as never);
        if (!feature.done) return undefined;
        const value = feature.current;
        feature = null;
        return asFeature(value);
      }
      if (member) {
        member.consume(tok as never);
        if (member.done) {
          top[key!] = member.current;
          if (key === 'crs') {
            const named = crsMember(member.current);
            if (named && seenFeatures && named !== conversion.crs) {
              throw new SourceError('unreadable', 'the "crs" member comes after the features; put it first or choose the CRS in the import');
            }
            if (named) conversion = conversionFor(named);
          }
          member = null;
          key = null;
        }
        return undefined;
      }
      if (depth === 0) {
        if (tok.name !== 'startObject') throw new SourceError('unreadable', 'not GeoJSON: the file is not a JSON object');
        depth = 1;
        return undefined;
      }
      if (inFeatures) {
        if (tok.name === 'endArray') {
          inFeatures = false;
          key = null;
          return undefined;
        }
        // Each element (normally an object) is assembled on its own.
        feature = new Assembler();
        return step(tok);
      }
      if (tok.name === 'keyValue') {
        key = String(tok.value);
      } else if (tok.name === 'endObject') {
        depth = 0;
      } else if (key === 'features' && tok.name === 'startArray') {
        inFeatures = true;
        seenFeatures = true;
      } else {
        member = new Assembler();
        return step(tok);
      }
      return undefined;
    };
    const features = new Transform({
      objectMode: true,
      transform(tok: Token, _enc, done) {
        try {
          const record = step(tok);
          done(null, record);
        } catch (err) {
          done(err as Error);
        }
      },
    });
    tokens.on('error', (err) => features.destroy(err));
    tokens.pipe(features);
    try {
      for await (const record of features as AsyncIterable<SourceRecord>) yield record;
      if (seenFeatures) {
        if (top.type !== undefined && top.type !== 'FeatureCollection') {
          throw new SourceError('unreadable', `not GeoJSON: a "features" member in an object of type ${JSON.stringify(top.type)}`);
        }
        return;
      }
      if (top.type === 'Feature') {
        yield asFeature(top);
      } else if (typeof top.type === 'string' && GEOMETRY_TYPES.includes(top.type)) {
        row += 1;
        yield toRecord(row, top, {}, conversion);
      } else if (top.type === 'FeatureCollection') {
        throw new SourceError('unreadable', 'the FeatureCollection has no "features" array');
      } else {
        throw new SourceError('unreadable', `not GeoJSON: type ${JSON.stringify(top.type ?? null)}`);
      }
    } catch (err) {
      if (err instanceof SourceError) throw err;
      throw new SourceError('unreadable', `invalid JSON: ${(err as Error).message}`);
    } finally {
      features.destroy();
      tokens.destroy();
      input.destroy();
    }
  }

  return makeSource({
    format: 'geojson',
    // The reported CRS is the option's; a crs member seen while streaming converts the records accordingly.
    get crs() {
      return conversion.crs;
    },
    progress: () => ({ read: input.bytesRead, total }),
    records,
    cleanup: () => {
      input.destroy();
    },
  });
}
