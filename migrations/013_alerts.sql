-- 告警 alerts: conditions that need a person (an overdue dispute, a campaign grid with no progress, a closed
-- service centre), raised by the alerts service (server/src/alerts) and acknowledged and resolved by people, or
-- resolved by the system when the condition clears. Each raise, ack and resolve is also an event (layer 'alerts').
CREATE TABLE alerts (
  id          text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  rule        text NOT NULL CHECK (rule IN ('dispute_overdue', 'campaign_stalled', 'centre_closed')),
  -- What the alert is about: 'disputes/<id>', 'service-centres/<id>' or 'campaigns/<campaign id>/<grid code>'.
  subject     text NOT NULL,
  -- Which occurrence of the condition: the dispute's mediation level, the centre's version when it closed, the
  -- grid's last progress time. A person's resolve ends the alert for that occurrence only; the same condition
  -- holding on is not raised again, a new occurrence is.
  episode     text NOT NULL,
  -- No foreign key, as in the event log: a boundary re-import may remove a grid an alert names; the alert stays on
  -- record and the next evaluation resolves it (its condition no longer holds for that subject).
  region_code text NOT NULL,
  severity    text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  raised_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  details     jsonb NOT NULL DEFAULT '{}',
  acked_by    text,
  acked_at    timestamptz,
  resolved_by text,
  resolved_at timestamptz,
  resolution  text,
  version     integer NOT NULL DEFAULT 1,
  CHECK ((acked_by IS NULL) = (acked_at IS NULL)),
  CHECK ((resolved_by IS NULL) = (resolved_at IS NULL))
);

-- "Raised once": at most one unresolved alert per rule and subject. Raises insert with ON CONFLICT DO NOTHING,
-- so repeated or concurrent evaluations (several server processes) never duplicate an open alert.
CREATE UNIQUE INDEX alerts_unresolved_once ON alerts (rule, subject) WHERE resolved_at IS NULL;
CREATE INDEX alerts_episode ON alerts (rule, subject, episode);
CREATE INDEX alerts_region ON alerts (region_code text_pattern_ops);
CREATE INDEX alerts_raised ON alerts (raised_at DESC);
