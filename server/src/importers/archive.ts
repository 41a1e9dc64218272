/**
 * Zip archives (zipped Shapefiles) are hostile until proven otherwise. Before anything is extracted the central
 * directory is checked: entry count, names (no `..`, no absolute path, no backslash, no drive letter), no
 * symlinks, declared sizes and compression ratio. While extracting, the real inflated bytes are counted (headers
 * can lie) and extraction stops at the limit. Only the Shapefile's own parts are extracted, under fixed names
 * (layer.shp, layer.dbf …) in a fresh temporary directory, so no name from the archive ever reaches the disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { SourceError } from './source.js';

export interface ArchiveLimits {
  maxEntries: number;
  /** Largest uncompressed entry. */
  maxEntryBytes: number;
  /** All uncompressed entries together. */
  maxTotalBytes: number;
  /** Largest uncompressed:compressed ratio, checked for entries above `ratioFloorBytes`. */
  maxRatio: number;
  /**
   * Entries smaller than this skip the ratio check: a small .dbf of space-padded text fields legitimately
   * deflates more than 100:1, and the size limits already bound what small entries can do.
   */
  ratioFloorBytes: number;
}

export const DEFAULT_LIMITS: ArchiveLimits = {
  maxEntries: 100,
  maxEntryBytes: 300 * 1024 * 1024,
  maxTotalBytes: 500 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

/** Shapefile parts we extract; anything else in the archive (.sbn, .xml, readme) is ignored. */
export const SHAPEFILE_PARTS = ['.shp', '.shx', '.dbf', '.prj', '.cpg'] as const;
export type ShapefilePart = (typeof SHAPEFILE_PARTS)[number];

export interface ZipEntryInfo {
  /** Name as stored (UTF-8 when flagged, else read as Latin-1: only used for checks and extensions). */
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  directory: boolean;
  entry: yauzl.Entry;
}

const hostile = (message: string) => new SourceError('hostile_archive', `refused archive: ${message}`);
const unreadable = (message: string) => new SourceError('unreadable', message);

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // decodeStrings: false — yauzl would silently turn backslashes into slashes; we judge the raw names.
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (err, zip) =>
      err ? reject(unreadable(`not a readable zip archive: ${err.message}`)) : resolve(zip),
    );
  });
}

function decodeName(raw: Buffer, utf8: boolean): string {
  return raw.toString(utf8 ? 'utf8' : 'latin1');
}

/** Why an entry name is unsafe, or undefined. */
export function unsafeName(name: string): string | undefined {
  if (name.includes('\\')) return `entry "${name}" contains a backslash`;
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) return `entry "${name}" has an absolute path`;
  if (name.split('/').some((seg) => seg === '..')) return `entry "${name}" climbs out of the archive (path traversal)`;
  if (name.includes('\0')) return `entry "${name}" contains a NUL byte`;
  return undefined;
}

function isSymlink(entry: yauzl.Entry): boolean {
  // Unix mode bits live in the high 16 bits of the external attributes (S_IFLNK = 0o120000).
  const mode = (entry.externalFileAttributes >>> 16) & 0o170000;
  return mode === 0o120000;
}

/** Names carried by an Info-ZIP Unicode Path extra field (0x7075): other tools extract under that name. */
function unicodePathNames(entry: yauzl.Entry): string[] {
  return (entry.extraFields ?? [])
    .filter((f) => f.id === 0x7075 && f.data.length > 5)
    .map((f) => f.data.subarray(5).toString('utf8'));
}

/** Reads and checks the central directory, extracting nothing. Throws SourceError on any violation. */
export async function inspectZip(file: string, limits: ArchiveLimits = DEFAULT_LIMITS): Promise<ZipEntryInfo[]> {
  const zip = await openZip(file);
  try {
    if (zip.entryCount > limits.maxEntries) {
      throw hostile(`${zip.entryCount} entries (at most ${limits.maxEntries} allowed)`);
    }
    const entries: ZipEntryInfo[] = [];
    let total = 0;
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => reject(err instanceof SourceError ? err : unreadable(`broken zip archive: ${err.message}`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          const raw = (entry as unknown as { fileNameRaw?: Buffer }).fileNameRaw ?? (entry.fileName as unknown as Buffer);
          const name = decodeName(Buffer.from(raw), (entry.generalPurposeBitFlag & 0x800) !== 0);
          for (const n of [name, ...unicodePathNames(entry)]) {
            const bad = unsafeName(n);
            if (bad) throw hostile(bad);
          }
          if (isSymlink(entry)) throw hostile(`entry "${name}" is a symbolic link`);
          const directory = name.endsWith('/');
          if (!directory) {
            if (entry.uncompressedSize > limits.maxEntryBytes) {
              throw hostile(`entry "${name}" expands to ${entry.uncompressedSize} bytes (limit ${limits.maxEntryBytes})`);
            }
            total += entry.uncompressedSize;
            if (total > limits.maxTotalBytes) {
              throw hostile(`the entries expand to more than ${limits.maxTotalBytes} bytes`);
            }
            if (entry.uncompressedSize > limits.ratioFloorBytes) {
              const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
              if (ratio > limits.maxRatio) {
                throw hostile(`entry "${name}" has a compression ratio of ${Math.round(ratio)}:1 (zip bomb?; limit ${limits.maxRatio}:1)`);
              }
            }
          }
          entries.push({ name, compressedSize: entry.compressedSize, uncompressedSize: entry.uncompressedSize, directory, entry });
          zip.readEntry();
        } catch (err) {
          reject(err);
        }
      });
      zip.readEntry();
    });
    return entries;
  } finally {
    zip.close();
  }
}

/** Counts the bytes really inflated and stops the stream at the limit, whatever the headers said. */
class ByteLimit extends Transform {
  constructor(
    private readonly budget: { left: number },
    private readonly entryLimit: number,
    private readonly name: string,
  ) {
    super();
  }
  private seen = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    this.budget.left -= chunk.length;
    if (this.seen > this.entryLimit) return done(hostile(`entry "${this.name}" inflates beyond its declared or allowed size`));
    if (this.budget.left < 0) return done(hostile('the archive inflates beyond the allowed total size'));
    done(null, chunk);
  }
}

export interface ExtractedShapefile {
  dir: string;
  /** Paths of the parts found, by extension (.shp always). */
  parts: Partial<Record<ShapefilePart, string>>;
  /** The .shp's name inside the archive (for messages). */
  name: string;
}

function shapefileMembers(entries: ZipEntryInfo[]): { name: string; members: Partial<Record<ShapefilePart, ZipEntryInfo>> } {
  // macOS adds __MACOSX/._name.shp resource forks: not Shapefiles.
  const files = entries.filter((e) => !e.directory && !e.name.startsWith('__MACOSX/') && !path.posix.basename(e.name).startsWith('._'));
  const shps = files.filter((e) => e.name.toLowerCase().endsWith('.shp'));
  if (shps.length !== 1) {
    throw unreadable(
      shps.length === 0
        ? 'the zip archive contains no .shp file'
        : `the zip archive contains ${shps.length} .shp files (${shps.map((s) => s.name).join(', ')}); import one layer per archive`,
    );
  }
  const shp = shps[0];
  const stem = shp.name.slice(0, -4).toLowerCase();
  const members: Partial<Record<ShapefilePart, ZipEntryInfo>> = {};
  for (const part of SHAPEFILE_PARTS) {
    const found = files.find((e) => e.name.toLowerCase() === stem + part);
    if (found) members[part] = found;
  }
  if (!members['.dbf']) throw unreadable(`the zip archive has no .dbf next to ${shp.name} (the attributes are missing)`);
  return { name: shp.name, members };
}

function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, stream) => (err ? reject(unreadable(`cannot read "${entry.fileName}": ${err.message}`)) : resolve(stream))),
  );
}

/**
 * Checks the archive, then extracts its one Shapefile into a new directory under `tmpRoot` (default: the OS temp
 * dir). On any failure the directory is removed before the error propagates. The caller removes `dir` when done.
 */
export async function extractShapefile(
  file: string,
  options: { limits?: ArchiveLimits; tmpRoot?: string } = {},
): Promise<ExtractedShapefile> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const entries = await inspectZip(file, limits);
  const { name, members } = shapefileMembers(entries);
  const dir = await fs.promises.mkdtemp(path.join(options.tmpRoot ?? os.tmpdir(), 'import-shp-'));
  const zip = await openZip(file);
  try {
    const budget = { left: limits.maxTotalBytes };
    const parts: Partial<Record<ShapefilePart, string>> = {};
    // Re-read the directory in this handle: yauzl entries belong to the ZipFile that read them.
    const wanted = new Map(Object.entries(members).map(([part, info]) => [info!.entry.relativeOffsetOfLocalHeader, part as ShapefilePart]));
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => reject(err instanceof SourceError ? err : unreadable(`broken zip archive: ${err.message}`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        const part = wanted.get(entry.relativeOffsetOfLocalHeader);
        if (!part) return zip.readEntry();
        const target = path.join(dir, `layer${part}`);
        openEntryStream(zip, entry)
          .then((stream) =>
            pipeline(
              stream,
              new ByteLimit(budget, Math.min(entry.uncompressedSize, limits.maxEntryBytes), `${name.slice(0, -4)}${part}`),
              fs.createWriteStream(target, { flags: 'wx' }),
            ),
          )
          .then(() => {
            parts[part] = target;
            zip.readEntry();
          })
          .catch((err: unknown) => {
            const msg = (err as Error).message ?? String(err);
            // yauzl's own size validation ("too many bytes in the stream") means the header lied: hostile.
            reject(err instanceof SourceError ? err : /bytes|size/i.test(msg) ? hostile(`an entry inflates beyond its declared size (${msg})`) : unreadable(`cannot extract the archive: ${msg}`));
          });
      });
      zip.readEntry();
    });
    return { dir, parts, name };
  } catch (err) {
    await fs.promises.rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    zip.close();
  }
}
