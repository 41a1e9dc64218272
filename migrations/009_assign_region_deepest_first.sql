-- assign_region() (001) again, same rule — the deepest covering region, the lowest code among equals — but asked
-- level by level from the deepest: most points lie in a building group, so one small polygon is tested instead of
-- every covering region up to the district's long outline (twice as fast per row; bench/import.ts).
CREATE OR REPLACE FUNCTION assign_region() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  n integer;
  p geometry := ST_PointOnSurface(NEW.geom);
BEGIN
  NEW.region_code := NULL;
  FOREACH n IN ARRAY ARRAY[16, 14, 12, 9, 6] LOOP
    SELECT code INTO NEW.region_code FROM regions WHERE length(code) = n AND ST_Covers(geom, p) ORDER BY code LIMIT 1;
    EXIT WHEN NEW.region_code IS NOT NULL;
  END LOOP;
  IF NEW.region_code IS NULL THEN
    RAISE EXCEPTION '% % lies outside the district', TG_TABLE_NAME, NEW.id USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
