/** A photo attached to a point by a coordinator (POST /api/layers/:layer/:id/photos). */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];
export const PHOTO_MAX_BYTES = 8 * 1024 * 1024;

export interface PhotoRef {
  /** sha256 of the bytes (hex): uploading the same photo twice (a retry) gives the same id. */
  id: string;
  /** GET it with the bearer token; only users who may read the point may. */
  url: string;
  contentType: PhotoType;
  size: number;
  layer: string;
  featureId: string;
  uploadedBy: string;
  uploadedAt: string;
}
