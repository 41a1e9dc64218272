/**
 * KML: parsed as a DOM (@xmldom/xmldom) and converted placemark by placemark with @tmcw/togeojson's generator.
 * A DOM needs the whole file in memory, so files above KML_MAX_BYTES are refused (too_large); a KML that big is
 * better sent as GeoJSON or a Shapefile. Row = 1-based placemark number. KML is WGS84 by definition, but files
 * exported from Chinese map apps are often GCJ-02, so the crs option still applies.
 * Properties: the name, description and ExtendedData (Data and SchemaData); togeojson's style keys are dropped.
 */
import fs from 'node:fs';
import { kmlGen } from '@tmcw/togeojson';
import { DOMParser } from '@xmldom/xmldom';
import { conversionFor } from '../crs.js';
import { SourceError, type ReadOptions, type Source, type SourceRecord } from '../source.js';
import { toRecord } from './geometry.js';
import { makeSource, tidyProperties } from './kit.js';

export const KML_MAX_BYTES = 50 * 1024 * 1024;

const STYLE_KEYS = /^(styleUrl|styleHash|styleMapHash|stroke|stroke-opacity|stroke-width|fill|fill-opacity|icon|icon-.*|label-.*|visibility|timespan|timestamp|@geometry-type)$/;

export async function openKml(file: string, options: ReadOptions): Promise<Source> {
  const total = (await fs.promises.stat(file)).size;
  if (total > KML_MAX_BYTES) {
    throw new SourceError('too_large', `the KML file is ${Math.round(total / 1048576)} MB; KML is read whole, so at most ${KML_MAX_BYTES / 1048576} MB (send GeoJSON or a Shapefile instead)`);
  }
  const conversion = conversionFor(options.crs ?? 'wgs84');
  let read = 0;

  async function* records(): AsyncGenerator<SourceRecord> {
    const text = await fs.promises.readFile(file, 'utf8');
    read = total;
    let doc: Document;
    try {
      doc = new DOMParser({
        onError: (level: string, message: string) => {
          if (level !== 'warning') throw new Error(message);
        },
      }).parseFromString(text, 'text/xml') as unknown as Document;
    } catch (err) {
      throw new SourceError('unreadable', `invalid KML (XML error: ${(err as Error).message})`);
    }
    if (!doc.documentElement || doc.documentElement.nodeName.replace(/^.*:/, '') !== 'kml') {
      throw new SourceError('unreadable', `not KML: the root element is <${doc.documentElement?.nodeName ?? 'none'}>`);
    }
    let row = 0;
    for (const feature of kmlGen(doc)) {
      row += 1;
      const properties = tidyProperties(
        Object.fromEntries(Object.entries(feature.properties ?? {}).filter(([k]) => !STYLE_KEYS.test(k))),
      );
      yield feature.geometry
        ? toRecord(row, feature.geometry, properties, conversion)
        : { row, geometry: null, properties, error: 'the placemark has no geometry' };
    }
  }

  return makeSource({ format: 'kml', crs: conversion.crs, progress: () => ({ read, total }), records });
}
