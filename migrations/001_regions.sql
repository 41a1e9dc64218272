-- The region tree: district → street 街道 → community 社区 → grid 网格 → building group 楼组, one table.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE regions (
  code        text PRIMARY KEY,
  name        text NOT NULL,
  level       text NOT NULL,
  parent_code text REFERENCES regions (code),
  geom        geometry(MultiPolygon, 4326) NOT NULL,
  -- Party organisation of the region (街道党工委 / 社区党组织 / 网格党支部 / 楼组党小组): { name, secretary, members }.
  party_org   jsonb NOT NULL DEFAULT '{}',
  -- 星级楼组: building groups only.
  star_rating smallint CHECK (star_rating BETWEEN 1 AND 5),
  -- Figures the seed reports per region (charity fund, joint meetings, service items …), summed by /api/stats.
  facts       jsonb NOT NULL DEFAULT '{}',
  -- Codes are hierarchical (API.md): the length gives the level and the parent is the prefix. That makes
  -- `code LIKE prefix || '%'` an exact subtree test, which every roll-up query relies on.
  CONSTRAINT regions_level_code CHECK (
    (level = 'district'       AND length(code) = 6  AND parent_code IS NULL) OR
    (level = 'street'         AND length(code) = 9  AND parent_code = left(code, 6)) OR
    (level = 'community'      AND length(code) = 12 AND parent_code = left(code, 9)) OR
    (level = 'grid'           AND length(code) = 14 AND parent_code = left(code, 12)) OR
    (level = 'building_group' AND length(code) = 16 AND parent_code = left(code, 14))),
  CONSTRAINT regions_code_digits CHECK (code ~ '^[0-9]+$'),
  CONSTRAINT regions_geom_valid CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))
);
CREATE INDEX regions_geom_gist ON regions USING gist (geom);
CREATE INDEX regions_parent ON regions (parent_code);
CREATE INDEX regions_code_prefix ON regions (code text_pattern_ops);

-- A child region must lie inside its parent. Tolerance 1e-5° (≈1.1 m north–south, ≈0.9 m east–west at 34.8° N):
-- boundaries are stored with 6 decimals (≈0.1 m), so an exactly clipped child can stick out of its parent by up
-- to ~0.1 m after rounding; 1e-5° allows for that ten times over while staying far below the size of the
-- smallest region (a building group is tens of metres across), so a misplaced child is still caught.
CREATE FUNCTION regions_check_inside_parent() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE parent geometry;
BEGIN
  IF NEW.parent_code IS NULL THEN RETURN NEW; END IF;
  SELECT geom INTO parent FROM regions WHERE code = NEW.parent_code;
  IF parent IS NULL THEN
    RAISE EXCEPTION 'region %: parent % does not exist', NEW.code, NEW.parent_code USING ERRCODE = '23503';
  END IF;
  IF NOT ST_CoveredBy(NEW.geom, parent) AND NOT ST_CoveredBy(NEW.geom, ST_Buffer(parent, 1e-5)) THEN
    RAISE EXCEPTION 'region % (%) is not inside its parent %', NEW.code, NEW.name, NEW.parent_code
      USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER regions_inside_parent BEFORE INSERT OR UPDATE OF geom, parent_code ON regions
  FOR EACH ROW EXECUTE FUNCTION regions_check_inside_parent();

-- Ancestor codes of a region, district first, the region itself last (codes are prefixes of each other).
CREATE FUNCTION region_path(code text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(left(code, n) ORDER BY n) FROM unnest(ARRAY[6, 9, 12, 14, 16]) AS n WHERE n <= length(code)
$$;

-- Points are assigned to the deepest region that covers them, by PostGIS, never by hand or by the client.
-- Polygons (projects may be areas) are assigned by a point guaranteed to lie on them.
CREATE FUNCTION assign_region() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT code INTO NEW.region_code FROM regions
   WHERE ST_Covers(geom, ST_PointOnSurface(NEW.geom))
   ORDER BY length(code) DESC, code LIMIT 1;
  IF NEW.region_code IS NULL THEN
    RAISE EXCEPTION '% % lies outside the district', TG_TABLE_NAME, NEW.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;

-- Key/value facts about the database itself (which sample was loaded, …).
CREATE TABLE app_meta (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);
