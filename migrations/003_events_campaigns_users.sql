-- The append-only event log: the audit trail, the time-slider's replay source and the catch-up stream.
-- seq comes from a one-row counter updated inside the writing transaction, not from a sequence: a sequence
-- leaves holes on rollback and can commit out of order, while the counter's row lock makes seqs gap-free and
-- committed in order (writers queue on that row only for the few milliseconds of their commit).
CREATE TABLE event_seq (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last      bigint NOT NULL
);
INSERT INTO event_seq (last) VALUES (0);

CREATE TABLE events (
  seq         bigint PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT clock_timestamp(),
  actor       text NOT NULL,
  layer       text NOT NULL,
  feature_id  text NOT NULL,
  region_code text,
  region_path text[] NOT NULL DEFAULT '{}',
  op          text NOT NULL CHECK (op IN ('create', 'update', 'delete')),
  before      jsonb,
  after       jsonb
);
CREATE INDEX events_feature ON events (layer, feature_id, seq);
CREATE INDEX events_at ON events (at);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only' USING ERRCODE = '42501';
END $$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- 挂图作战 campaigns: a time window and a target set of points of one layer.
CREATE TABLE campaigns (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  layer         text NOT NULL CHECK (layer IN ('compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units')),
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
  status        text NOT NULL CHECK (status IN ('active', 'closed')),
  -- A target counts as done once its status is one of these.
  done_statuses text[] NOT NULL
);

CREATE TABLE campaign_targets (
  campaign_id text NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  feature_id  text NOT NULL,
  PRIMARY KEY (campaign_id, feature_id)
);

CREATE TABLE users (
  username      text PRIMARY KEY CHECK (username ~ '^[A-Za-z0-9_.-]{1,64}$'),
  password_hash text NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'leader', 'coordinator', 'display')),
  region_code   text NOT NULL REFERENCES regions (code),
  demo          boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
