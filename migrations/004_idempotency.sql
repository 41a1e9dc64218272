-- Idempotency-Key of retried writes (phones on bad networks): the first answer is kept and returned again.
-- The row is inserted first thing in the writing transaction, so a concurrent retry waits on its key and then
-- sees the stored answer instead of writing twice.
CREATE TABLE idempotency_keys (
  username   text NOT NULL,
  key        text NOT NULL,
  request    text NOT NULL,
  response   jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (username, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
