-- Point layers and overlays. Every table shares: id, name, status, version (optimistic concurrency), region_code
-- (deepest covering region, set by assign_region()), geom (EPSG:4326), created_at, updated_at.

-- 楼院 residential compounds.
CREATE TABLE compounds (
  id               text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name             text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('commercial', 'unit_owned', 'unmanaged')),
  property_service text NOT NULL CHECK (property_service IN ('none', 'red', 'commercial')),
  four_in_one      boolean NOT NULL DEFAULT false,
  renovation       text NOT NULL DEFAULT 'none' CHECK (renovation IN ('none', 'planned', 'in_progress', 'done')),
  status           text NOT NULL CHECK (status IN ('normal', 'pending', 'in_progress', 'done', 'verified')),
  version          integer NOT NULL DEFAULT 1,
  region_code      text NOT NULL REFERENCES regions (code),
  geom             geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- 党群服务中心 Party-mass service centres.
CREATE TABLE service_centres (
  id             text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name           text NOT NULL,
  level          text NOT NULL CHECK (level IN ('street', 'community')),
  tier           text NOT NULL CHECK (tier IN ('street', '500', '1000')),
  rooms          text[] NOT NULL DEFAULT '{}',
  funds_wan      numeric NOT NULL DEFAULT 0,
  people_served  integer NOT NULL DEFAULT 0,
  status         text NOT NULL CHECK (status IN ('open', 'renovating', 'closed')),
  version        integer NOT NULL DEFAULT 1,
  region_code    text NOT NULL REFERENCES regions (code),
  geom           geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((level = 'street') = (tier = 'street'))
);

-- "三项工程、一项管理" projects; a point or an area.
CREATE TABLE projects (
  id             text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name           text NOT NULL,
  type           text NOT NULL CHECK (type IN ('old_compound_renovation', 'back_street', 'urban_village', 'property_management')),
  status         text NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'accepted')),
  progress       smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  investment_wan numeric NOT NULL DEFAULT 0,
  version        integer NOT NULL DEFAULT 1,
  region_code    text NOT NULL REFERENCES regions (code),
  geom           geometry(Geometry, 4326) NOT NULL
                 CHECK (ST_IsValid(geom) AND GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

-- 临时党支部 temporary Party branches, founded on a project site or in an unmanaged compound.
CREATE TABLE temp_branches (
  id            text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name          text NOT NULL,
  origin        text NOT NULL CHECK (origin IN ('project', 'compound')),
  project_id    text REFERENCES projects (id),
  compound_id   text REFERENCES compounds (id),
  secretary     text NOT NULL DEFAULT '',
  members       integer NOT NULL DEFAULT 0,
  founded_at    date NOT NULL,
  dissolved_at  date,
  status        text NOT NULL CHECK (status IN ('active', 'dissolved')),
  version       integer NOT NULL DEFAULT 1,
  region_code   text NOT NULL REFERENCES regions (code),
  geom          geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((origin = 'project') = (project_id IS NOT NULL) AND (origin = 'compound') = (compound_id IS NOT NULL))
);

-- 矛盾纠纷 disputes, mediated through the three-level network (community → street → district).
CREATE TABLE disputes (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name            text NOT NULL,
  category        text NOT NULL CHECK (category IN ('neighbour', 'property', 'family', 'labour', 'land', 'other')),
  severity        text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  mediation_level text NOT NULL CHECK (mediation_level IN ('community', 'street', 'district')),
  status          text NOT NULL CHECK (status IN ('reported', 'accepted', 'mediating', 'resolved', 'escalated', 'referred')),
  reported_at     timestamptz NOT NULL,
  deadline        timestamptz NOT NULL,
  -- 三官一师两员: judge, prosecutor, police, lawyer, mediator, grid worker.
  participants    text[] NOT NULL DEFAULT '{}',
  version         integer NOT NULL DEFAULT 1,
  region_code     text NOT NULL REFERENCES regions (code),
  geom            geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- 区域化党建成员单位 member units of the regional Party committees.
CREATE TABLE member_units (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name            text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('enterprise', 'institution', 'non_public', 'market')),
  committee       text NOT NULL CHECK (committee IN ('street', 'community')),
  joint_meetings  integer NOT NULL DEFAULT 0,
  agreements      integer NOT NULL DEFAULT 0,
  joint_services  integer NOT NULL DEFAULT 0,
  status          text NOT NULL CHECK (status IN ('active', 'inactive')),
  version         integer NOT NULL DEFAULT 1,
  region_code     text NOT NULL REFERENCES regions (code),
  geom            geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom)),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER compounds_region BEFORE INSERT OR UPDATE OF geom ON compounds FOR EACH ROW EXECUTE FUNCTION assign_region();
CREATE TRIGGER service_centres_region BEFORE INSERT OR UPDATE OF geom ON service_centres FOR EACH ROW EXECUTE FUNCTION assign_region();
CREATE TRIGGER projects_region BEFORE INSERT OR UPDATE OF geom ON projects FOR EACH ROW EXECUTE FUNCTION assign_region();
CREATE TRIGGER temp_branches_region BEFORE INSERT OR UPDATE OF geom ON temp_branches FOR EACH ROW EXECUTE FUNCTION assign_region();
CREATE TRIGGER disputes_region BEFORE INSERT OR UPDATE OF geom ON disputes FOR EACH ROW EXECUTE FUNCTION assign_region();
CREATE TRIGGER member_units_region BEFORE INSERT OR UPDATE OF geom ON member_units FOR EACH ROW EXECUTE FUNCTION assign_region();

CREATE INDEX compounds_geom_gist ON compounds USING gist (geom);
CREATE INDEX service_centres_geom_gist ON service_centres USING gist (geom);
CREATE INDEX projects_geom_gist ON projects USING gist (geom);
CREATE INDEX temp_branches_geom_gist ON temp_branches USING gist (geom);
CREATE INDEX disputes_geom_gist ON disputes USING gist (geom);
CREATE INDEX member_units_geom_gist ON member_units USING gist (geom);

-- Subtree roll-ups filter by `region_code LIKE prefix || '%'`.
CREATE INDEX compounds_region ON compounds (region_code text_pattern_ops);
CREATE INDEX service_centres_region ON service_centres (region_code text_pattern_ops);
CREATE INDEX projects_region ON projects (region_code text_pattern_ops);
CREATE INDEX temp_branches_region ON temp_branches (region_code text_pattern_ops);
CREATE INDEX disputes_region ON disputes (region_code text_pattern_ops);
CREATE INDEX member_units_region ON member_units (region_code text_pattern_ops);
