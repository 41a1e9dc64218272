/** Small pieces every reader shares: the Source wrapper with cleanup, byte counting, property tidying. */
import type { ImportCrs, ImportFormat } from '../../contract/imports.js';
import { SourceError, type Source, type SourceRecord } from '../source.js';

/**
 * Wraps a record generator as a Source whose cleanup runs exactly once: when the records end, throw, the
 * consumer breaks out of its loop, or `close()` is called. Parser errors that are not already SourceErrors
 * become SourceError('unreadable') so the service answers 4xx, never 5xx.
 */
export function makeSource(spec: {
  format: ImportFormat;
  crs: ImportCrs;
  progress: () => { read: number; total?: number };
  records: () => AsyncGenerator<SourceRecord>;
  cleanup?: () => Promise<void> | void;
}): Source {
  let closed: Promise<void> | undefined;
  let started = false;
  let generator: AsyncGenerator<SourceRecord> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      if (generator) await generator.return(undefined).catch(() => undefined);
      await spec.cleanup?.();
    })();
    return closed;
  };
  const records: AsyncIterable<SourceRecord> = {
    [Symbol.asyncIterator](): AsyncIterator<SourceRecord> {
      if (started) throw new Error('the records of a Source can be iterated once');
      started = true;
      const gen = spec.records();
      generator = gen;
      return {
        async next() {
          if (closed) return { done: true, value: undefined };
          try {
            const r = await gen.next();
            if (r.done) await close();
            return r;
          } catch (err) {
            await close();
            throw asSourceError(err);
          }
        },
        async return() {
          await close();
          return { done: true, value: undefined };
        },
      };
    },
  };
  return {
    format: spec.format,
    // A getter: the GeoJSON reader learns a `crs` member only once it streams past it.
    get crs() {
      return spec.crs;
    },
    progress: spec.progress,
    records,
    close,
  };
}

export function asSourceError(err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SourceError('unreadable', `cannot read the file: ${message}`);
}

/** Trims string values and drops empty keys; keys are kept as in the file (they may be Chinese). */
export function tidyProperties(raw: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, v] of Object.entries(raw)) {
    const key = k.trim();
    if (!key) continue;
    out[key] = typeof v === 'string' ? v.trim() : v;
  }
  return out;
}
