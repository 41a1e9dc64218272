-- 微心愿 micro-wishes (a point layer like those of 002), and a building group's (楼组) records with history:
-- 三会制 meetings and 星级楼组 star ratings. regions.star_rating stays the current rating (the latest of
-- star_ratings), so every existing reader keeps working.

-- 微心愿: a resident's small wish that a member unit of the regional Party committees claims and fulfils.
-- `name` is the wish's title; `requester` a short label only (e.g. "3号楼 王阿姨"), no personal data.
CREATE TABLE micro_wishes (
  id           text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name         text NOT NULL,
  requester    text NOT NULL DEFAULT '',
  category     text NOT NULL CHECK (category IN ('elderly', 'students', 'hardship', 'disabled', 'environment', 'culture', 'other')),
  claimed_by   text REFERENCES member_units (id) DEFERRABLE INITIALLY IMMEDIATE,
  claimed_at   timestamptz,
  fulfilled_at timestamptz,
  status       text NOT NULL CHECK (status IN ('open', 'claimed', 'fulfilled', 'cancelled')),
  version      integer NOT NULL DEFAULT 1,
  region_code  text NOT NULL REFERENCES regions (code) DEFERRABLE INITIALLY IMMEDIATE,
  geom         geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  -- A claimed or fulfilled wish names its member unit; an open one has none.
  CHECK (status NOT IN ('claimed', 'fulfilled') OR claimed_by IS NOT NULL),
  CHECK (status <> 'open' OR claimed_by IS NULL)
);
CREATE TRIGGER micro_wishes_region BEFORE INSERT OR UPDATE OF geom ON micro_wishes FOR EACH ROW EXECUTE FUNCTION assign_region();
CREATE INDEX micro_wishes_geom_gist ON micro_wishes USING gist (geom);
CREATE INDEX micro_wishes_region ON micro_wishes (region_code text_pattern_ops, status);

-- 三会制 meetings of a building group: 民情分析会 situation, 党群议事会 deliberation, 民主评议会 review.
CREATE TABLE building_group_meetings (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_code text NOT NULL REFERENCES regions (code) DEFERRABLE INITIALLY IMMEDIATE CHECK (length(region_code) = 16),
  kind        text NOT NULL CHECK (kind IN ('situation', 'deliberation', 'review')),
  held_on     date NOT NULL,
  topic       text NOT NULL,
  attendees   integer NOT NULL CHECK (attendees BETWEEN 0 AND 10000),
  outcome     text NOT NULL DEFAULT '',
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- A subtree's meetings newest first, and the 12-month count per kind, by code prefix.
CREATE INDEX building_group_meetings_region ON building_group_meetings (region_code text_pattern_ops, held_on DESC, id DESC);

-- 星级楼组 ratings of a building group, kept forever; the latest (rated_on, then id) is regions.star_rating.
CREATE TABLE star_ratings (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_code text NOT NULL REFERENCES regions (code) DEFERRABLE INITIALLY IMMEDIATE CHECK (length(region_code) = 16),
  stars       smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  rated_on    date NOT NULL,
  reason      text NOT NULL DEFAULT '',
  rated_by    text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX star_ratings_region ON star_ratings (region_code, rated_on DESC, id DESC);

-- Campaigns may target micro-wishes too.
ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS campaigns_layer_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_layer_check
  CHECK (layer IN ('compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units', 'micro-wishes'));
