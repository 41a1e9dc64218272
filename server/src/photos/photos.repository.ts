import type { Queryable } from '../db/db.js';
import type { PhotoRef, PhotoType } from '../contract/photos.js';

/** One photo attached to one point, as stored (migrations/007): a PhotoRef without its URL. */
export type PhotoAttachment = Omit<PhotoRef, 'url'>;

const ATTACHMENT_COLUMNS = `p.id, p.content_type AS "contentType", p.size, a.layer, a.feature_id AS "featureId",
  a.uploaded_by AS "uploadedBy", a.uploaded_at AS "uploadedAt"`;

export const toPhotoRef = (a: PhotoAttachment): PhotoRef => ({ ...a, url: `/api/photos/${a.id}` });

/** All SQL about photos. */
export class PhotosRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Records the photo and its attachment to a point; `created` is false when this point already had it (a retried
   * upload): the stored attachment is then returned unchanged.
   */
  async attach(tx: Queryable, p: Omit<PhotoAttachment, 'uploadedAt'>): Promise<{ created: boolean; attachment: PhotoAttachment }> {
    await tx.query(`INSERT INTO photos (id, content_type, size) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [p.id, p.contentType, p.size]);
    const inserted = await tx.query(
      `INSERT INTO photo_attachments (photo_id, layer, feature_id, uploaded_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (photo_id, layer, feature_id) DO NOTHING RETURNING photo_id`,
      [p.id, p.layer, p.featureId, p.uploadedBy],
    );
    const [attachment] = await tx.query<PhotoAttachment>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM photo_attachments a JOIN photos p ON p.id = a.photo_id
        WHERE a.photo_id = $1 AND a.layer = $2 AND a.feature_id = $3`,
      [p.id, p.layer, p.featureId],
    );
    return { created: inserted.length > 0, attachment };
  }

  /** The photos of a point, oldest first. */
  async ofFeature(layer: string, featureId: string): Promise<PhotoAttachment[]> {
    return this.db.query<PhotoAttachment>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM photo_attachments a JOIN photos p ON p.id = a.photo_id
        WHERE a.layer = $1 AND a.feature_id = $2 ORDER BY a.uploaded_at, a.photo_id`,
      [layer, featureId],
    );
  }

  /** Every point a photo is attached to. */
  async attachments(id: string): Promise<PhotoAttachment[]> {
    return this.db.query<PhotoAttachment>(
      `SELECT ${ATTACHMENT_COLUMNS} FROM photo_attachments a JOIN photos p ON p.id = a.photo_id WHERE a.photo_id = $1 ORDER BY a.uploaded_at`,
      [id],
    );
  }
}
