-- Service-centre coverage (issue 11): "is a community centre within walking distance of this compound?" is
-- ST_DWithin on geography (metres, on the sphere). A plain GiST index on geom (degrees) cannot answer a
-- geography predicate; an index on the geography expression lets ST_DWithin(geom::geography, …) and the
-- nearest-centre KNN (<->) probe it instead of measuring every centre for every compound.
CREATE INDEX service_centres_geog_gist ON service_centres USING gist ((geom::geography));
