-- Writes no longer take the event counter themselves. A writer's transaction ends by inserting its event here
-- (no shared lock, so concurrent writers share WAL flushes), and number_events() then gives every committed
-- pending event its seq in one short transaction: the counter row is locked once per batch, not once per write,
-- so the rate is no longer one write per WAL flush. Seqs stay gap-free (a rolled-back batch leaves the events
-- pending) and follow commit order: a batch numbers only events committed before it took the counter, and a
-- later write of the same point commits after the earlier one, so it gets the larger pending id and seq.
CREATE TABLE pending_events (
  id            bigserial PRIMARY KEY,
  actor         text NOT NULL,
  layer         text NOT NULL,
  feature_id    text NOT NULL,
  region_code   text,
  op            text NOT NULL,
  before        jsonb,
  after         jsonb,
  -- The Idempotency-Key whose stored answer gets the seq once it is known.
  idem_username text,
  idem_key      text
);

-- Which pending event became which seq, so the process that wrote it finds its seq whoever numbered it.
ALTER TABLE events ADD COLUMN write_id bigint;
CREATE UNIQUE INDEX events_write_id ON events (write_id) WHERE write_id IS NOT NULL;

-- Numbers every committed pending event (in pending id order) and returns them, together with the already
-- numbered events among `wanted` (numbered by another process's batch).
CREATE FUNCTION number_events(wanted bigint[]) RETURNS SETOF events LANGUAGE plpgsql AS $$
DECLARE
  base bigint;
BEGIN
  -- The counter first: batches queue here, and the statement below reads the pending events with a snapshot
  -- taken after the wait, so no two batches see the same event and none skips an earlier committed one.
  SELECT last INTO base FROM event_seq FOR UPDATE;
  RETURN QUERY
    WITH moved AS (DELETE FROM pending_events RETURNING *),
    numbered AS (
      INSERT INTO events (seq, actor, layer, feature_id, region_code, region_path, op, before, after, write_id)
      SELECT base + row_number() OVER (ORDER BY m.id), m.actor, m.layer, m.feature_id, m.region_code,
             COALESCE(region_path(m.region_code), '{}'), m.op, m.before, m.after, m.id
        FROM moved AS m
      RETURNING *),
    answered AS (
      UPDATE idempotency_keys AS k SET response = jsonb_build_object('feature', k.response -> 'feature', 'seq', n.seq)
        FROM numbered AS n JOIN moved AS m ON m.id = n.write_id
       WHERE k.username = m.idem_username AND k.key = m.idem_key),
    counted AS (UPDATE event_seq SET last = base + (SELECT count(*) FROM moved))
    SELECT * FROM numbered
    UNION ALL
    SELECT * FROM events WHERE write_id = ANY (wanted);
END $$;
