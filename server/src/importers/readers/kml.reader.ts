import type { ReadOptions, Source } from '../source.js';
import { SourceError } from '../source.js';

export async function openKml(_file: string, _options: ReadOptions): Promise<Source> {
  throw new SourceError('unsupported_format', 'not implemented yet');
}
