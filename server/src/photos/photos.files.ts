import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * Photo bytes on disk: DATA_DIR/uploads/ab/cd/<sha256>, two levels of shards so no directory grows past a few
 * thousand entries. A file is written under uploads/tmp, flushed, then renamed into place: rename within one file
 * system is atomic, so a reader never sees half a photo and a crash leaves at most a stray file in tmp/.
 */
export class PhotoFiles {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'uploads');
  }

  pathOf(id: string): string {
    if (!/^[0-9a-f]{64}$/.test(id)) throw new Error(`not a photo id: ${id}`);
    return path.join(this.root, id.slice(0, 2), id.slice(2, 4), id);
  }

  /** Stores the bytes under their id; nothing happens when that id is already stored (same bytes, by sha256). */
  async save(id: string, bytes: Buffer): Promise<void> {
    if (await this.exists(id)) return;
    const target = this.pathOf(id);
    const tmpDir = path.join(this.root, 'tmp');
    await Promise.all([fsp.mkdir(path.dirname(target), { recursive: true }), fsp.mkdir(tmpDir, { recursive: true })]);
    const tmp = path.join(tmpDir, `${id}.${crypto.randomBytes(6).toString('hex')}.part`);
    try {
      const file = await fsp.open(tmp, 'wx');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      // Two concurrent uploads of the same photo both rename identical bytes onto one name: harmless.
      await fsp.rename(tmp, target);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async exists(id: string): Promise<boolean> {
    return fsp.stat(this.pathOf(id)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  read(id: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(id));
  }
}
