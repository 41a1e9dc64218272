-- Roll-ups count a region's points by region_code prefix and one or two columns (regions.repository.ts). With the
-- plain prefix index each counted point cost a heap page read: a community's share of a 100× district is scattered
-- over the whole table (240 ms for one community's figures). Carrying those columns in the index lets PostgreSQL
-- answer from the index alone (index-only scan, 10 ms): the roll-ups after a write no longer grow with the table.
CREATE INDEX compounds_region_cover ON compounds (region_code text_pattern_ops) INCLUDE (kind);
CREATE INDEX service_centres_region_cover ON service_centres (region_code text_pattern_ops) INCLUDE (tier);
CREATE INDEX projects_region_cover ON projects (region_code text_pattern_ops) INCLUDE (status);
CREATE INDEX temp_branches_region_cover ON temp_branches (region_code text_pattern_ops) INCLUDE (origin, status);
CREATE INDEX disputes_region_cover ON disputes (region_code text_pattern_ops) INCLUDE (status, deadline);
CREATE INDEX member_units_region_cover ON member_units (region_code text_pattern_ops) INCLUDE (status);
DROP INDEX compounds_region, service_centres_region, projects_region, temp_branches_region, disputes_region, member_units_region;
