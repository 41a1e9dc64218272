-- Imports (npm run import, POST /api/imports).

-- A boundary re-import deletes a region level (and every deeper one) and inserts the new regions in one
-- transaction; until the points are re-assigned, rows of other tables still name the deleted codes. Every foreign
-- key to regions(code) is therefore made DEFERRABLE (still INITIALLY IMMEDIATE: every other write is checked per
-- statement as before), and the import says SET CONSTRAINTS ALL DEFERRED. Found in the catalogue rather than
-- listed, so keys added by earlier migrations of other areas (user_regions in 005) are covered too.
DO $$
DECLARE fk record;
BEGIN
  FOR fk IN
    SELECT c.conname, c.conrelid::regclass AS tbl
      FROM pg_constraint AS c
     WHERE c.contype = 'f' AND c.confrelid = 'regions'::regclass AND NOT c.condeferrable
  LOOP
    EXECUTE format('ALTER TABLE %s ALTER CONSTRAINT %I DEFERRABLE INITIALLY IMMEDIATE', fk.tbl, fk.conname);
  END LOOP;
END $$;

-- GeoJSON geometry text → geometry, or the parser's complaint: one malformed feature must become a bad row of
-- the import report, not an error that aborts the whole import transaction. Heights are dropped (KML and GPS
-- files carry them; our columns are 2D) and a MultiPoint of one point is that point (some Shapefiles store
-- points so).
CREATE FUNCTION import_parse_geometry(geojson text, OUT geom geometry, OUT error text) LANGUAGE plpgsql AS $$
BEGIN
  IF geojson IS NULL THEN RETURN; END IF;
  geom := ST_Force2D(ST_SetSRID(ST_GeomFromGeoJSON(geojson), 4326));
  IF GeometryType(geom) = 'MULTIPOINT' AND ST_NumGeometries(geom) = 1 THEN geom := ST_GeometryN(geom, 1); END IF;
EXCEPTION WHEN OTHERS THEN
  error := SQLERRM;
END $$;

-- Users whose region (users.region_code, or one of several in user_regions when that table exists) is gone:
-- a boundary re-import that would strand them is refused. user_regions is looked up by name because this
-- function must also work on a database without it.
CREATE FUNCTION users_in_missing_regions() RETURNS TABLE (username text, region_code text) LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY SELECT u.username, u.region_code FROM users AS u
                WHERE NOT EXISTS (SELECT 1 FROM regions AS r WHERE r.code = u.region_code);
  IF to_regclass('user_regions') IS NOT NULL THEN
    RETURN QUERY EXECUTE 'SELECT ur.username, ur.region_code FROM user_regions AS ur
                           WHERE NOT EXISTS (SELECT 1 FROM regions AS r WHERE r.code = ur.region_code)';
  END IF;
END $$;
