import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import type { Db } from '../db/db.js';
import type { SessionUser } from '../contract/auth.js';
import { PHOTO_TYPES, type PhotoRef, type PhotoType } from '../contract/photos.js';
import { AppError, notFound } from '../errors.js';
import type { LayersService } from '../layers/layers.service.js';
import type { PhotoFiles } from './photos.files.js';
import { toPhotoRef, type PhotosRepository } from './photos.repository.js';

const isPhotoType = (v: string | undefined): v is PhotoType => (PHOTO_TYPES as readonly string[]).includes(v ?? '');

/** Photos of points (现场照片): uploads by those who may write a point, reads by those who may read one it is on. */
export class PhotosService {
  constructor(
    private readonly db: Db,
    private readonly photos: PhotosRepository,
    private readonly files: PhotoFiles,
    private readonly layers: LayersService,
  ) {}

  /**
   * Stores a photo of a point. The type comes from the bytes (magic numbers), never from the header alone: a text
   * file sent as image/jpeg is refused. Checks the body first (it needs no lookup), then the point as a PATCH
   * does (404 → 403). The id is the sha256 of the bytes, so a retry returns the same PhotoRef with
   * `created: false` and writes nothing new.
   */
  async upload(user: SessionUser, layerName: string, featureId: string, bytes: Buffer, declared: string): Promise<{ created: boolean; photo: PhotoRef }> {
    const detected = (await fileTypeFromBuffer(bytes))?.mime;
    if (!isPhotoType(detected)) {
      throw new AppError(415, 'unsupported_media_type', `Not a ${PHOTO_TYPES.join(', ')} image (the bytes say ${detected ?? 'unknown'})`);
    }
    if (detected !== declared) {
      throw new AppError(415, 'unsupported_media_type', `Content-Type says ${declared} but the bytes are ${detected}`);
    }
    const { layer } = await this.layers.requireWritable(user, layerName, featureId);
    const id = crypto.createHash('sha256').update(bytes).digest('hex');
    // The file first: a row must never point at bytes that are not there. A failure after this leaves only a
    // content-addressed file that the retry reuses.
    await this.files.save(id, bytes);
    const { created, attachment } = await this.db.transaction((tx) =>
      this.photos.attach(tx, { id, contentType: detected, size: bytes.length, layer, featureId, uploadedBy: user.username }),
    );
    return { created, photo: toPhotoRef(attachment) };
  }

  /** The photos of a point the user may read, oldest first. */
  async list(user: SessionUser, layerName: string, featureId: string): Promise<PhotoRef[]> {
    const { layer } = await this.layers.requireReadable(user, layerName, featureId);
    return (await this.photos.ofFeature(layer, featureId)).map(toPhotoRef);
  }

  /**
   * The bytes, to a user who may read at least one point the photo is attached to. Anyone else gets the same 404
   * as for an id that does not exist: a coordinator learns nothing of photos outside their grid.
   */
  async open(user: SessionUser, id: string): Promise<{ contentType: PhotoType; size: number; stream: Readable }> {
    const missing = notFound(`Photo ${id}`);
    for (const a of await this.photos.attachments(id)) {
      if (!(await this.mayRead(user, a.layer, a.featureId))) continue;
      if (!(await this.files.exists(id))) throw missing;
      return { contentType: a.contentType, size: a.size, stream: this.files.read(id) };
    }
    throw missing;
  }

  private async mayRead(user: SessionUser, layer: string, featureId: string): Promise<boolean> {
    try {
      await this.layers.requireReadable(user, layer, featureId);
      return true;
    } catch (err) {
      if (err instanceof AppError && (err.statusCode === 403 || err.statusCode === 404)) return false;
      throw err;
    }
  }
}
