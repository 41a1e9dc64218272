-- Photos that coordinators attach to points (POST /api/layers/:layer/:id/photos). The bytes are files under
-- DATA_DIR/uploads named by their sha256 (the id), so a retried upload stores nothing twice; one row per photo
-- and one per point it is attached to (the same picture may document two points).
CREATE TABLE photos (
  id           text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
  size         integer NOT NULL CHECK (size > 0),
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE photo_attachments (
  photo_id    text NOT NULL REFERENCES photos (id),
  layer       text NOT NULL,
  feature_id  text NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (photo_id, layer, feature_id)
);
CREATE INDEX photo_attachments_feature ON photo_attachments (layer, feature_id, uploaded_at);
