-- Administration: disabling accounts, ending sessions, coordinators over several grids, campaign drafts.

-- A disabled account cannot log in and its tokens are refused at the next request. Tokens issued (jwt iat)
-- before sessions_valid_after are refused too: set on a password reset and on disabling.
ALTER TABLE users ADD COLUMN disabled boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN sessions_valid_after timestamptz;

-- Roots of each user's region subtrees. users.region_code stays the first (primary) region, so code that reads
-- one region keeps working; a coordinator may hold several grids here.
CREATE TABLE user_regions (
  username    text NOT NULL REFERENCES users (username) ON DELETE CASCADE,
  region_code text NOT NULL REFERENCES regions (code),
  PRIMARY KEY (username, region_code)
);
INSERT INTO user_regions (username, region_code) SELECT username, region_code FROM users;

-- Campaigns are prepared as drafts and opened later; the constraint name is Postgres's default for the
-- inline CHECK of migration 003 (campaigns_status_check on both backends).
ALTER TABLE campaigns DROP CONSTRAINT campaigns_status_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_status_check CHECK (status IN ('draft', 'active', 'closed'));
ALTER TABLE campaigns ADD COLUMN created_by text;
-- How the targets were chosen (CampaignTargetFilter), kept for the record; the targets themselves are rows.
ALTER TABLE campaigns ADD COLUMN filter jsonb;
