-- 区域化党建台账 the regional Party-building ledger (issue 11): what the street and community regional Party
-- committees did, as records, so every figure (经八路's 71 joint meetings, 21 problems solved, 115 agreements,
-- 161 joint services) is counted from them over a period instead of being typed in as a counter.

-- The counters these records replace: a unit's meetings and agreements are the records that name it.
ALTER TABLE member_units DROP COLUMN joint_meetings, DROP COLUMN agreements, DROP COLUMN joint_services;
UPDATE regions SET facts = facts - 'jointMeetings' - 'problemsSolved' - 'agreements' - 'jointServices'
                             - 'freeServiceItems' - 'serviceCategories' - 'charityFund'
 WHERE facts ?| ARRAY['jointMeetings', 'problemsSolved', 'agreements', 'jointServices', 'freeServiceItems', 'serviceCategories', 'charityFund'];

-- One thing a committee did: a joint meeting 联席会议, a livelihood problem 民生问题 (raised on occurred_on, solved
-- on solved_on), a co-building agreement 共建协议 or a joint service 集中服务. region_code is the committee's
-- region: a street (9 digits) or a community (12).
CREATE TABLE ledger_records (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  kind            text NOT NULL CHECK (kind IN ('joint_meeting', 'problem', 'agreement', 'joint_service')),
  region_code     text NOT NULL REFERENCES regions (code) CHECK (length(region_code) IN (9, 12)),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  occurred_on     date NOT NULL,
  solved_on       date CHECK (solved_on IS NULL OR (kind = 'problem' AND solved_on >= occurred_on)),
  -- The member units involved; not a foreign key (an array), checked by the service on write.
  member_unit_ids text[] NOT NULL DEFAULT '{}',
  notes           text NOT NULL DEFAULT '',
  created_by      text NOT NULL,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_records_region ON ledger_records (region_code text_pattern_ops) INCLUDE (kind, occurred_on, solved_on);

-- The "three lists" 三项清单 of resources 资源, needs 需求 and projects 项目, matched between units and residents.
CREATE TABLE ledger_list_entries (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  list            text NOT NULL CHECK (list IN ('resource', 'need', 'project')),
  region_code     text NOT NULL REFERENCES regions (code) CHECK (length(region_code) IN (9, 12)),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'matched', 'done')),
  member_unit_id  text REFERENCES member_units (id) ON DELETE SET NULL,
  notes           text NOT NULL DEFAULT '',
  created_by      text NOT NULL,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_list_entries_region ON ledger_list_entries (region_code text_pattern_ops) INCLUDE (list, status);

-- The free service items 无偿服务项目 that member units offer (the seed's 146 in 8 categories).
CREATE TABLE ledger_service_items (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  category        text NOT NULL CHECK (category IN ('hardware_sharing', 'education_training', 'comprehensive_governance',
                    'elderly_care', 'health_care', 'legal_aid', 'culture_sports', 'volunteering')),
  region_code     text NOT NULL REFERENCES regions (code) CHECK (length(region_code) IN (9, 12)),
  title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  member_unit_id  text NOT NULL REFERENCES member_units (id) ON DELETE CASCADE,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_service_items_region ON ledger_service_items (region_code text_pattern_ops) INCLUDE (category);

-- Money per region and year: a street's 社区发展治理（慈善）基金 (charity), a community's work funds 工作经费,
-- Party-building funds 党建经费 and service funds 服务群众专项经费. One record per region, kind and year.
CREATE TABLE ledger_funds (
  id              text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  kind            text NOT NULL CHECK (kind IN ('charity', 'work', 'party_building', 'service')),
  region_code     text NOT NULL REFERENCES regions (code),
  year            integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  amount_wan      numeric(12, 2) NOT NULL CHECK (amount_wan >= 0),
  notes           text NOT NULL DEFAULT '',
  created_by      text NOT NULL,
  version         integer NOT NULL DEFAULT 1,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The charity fund is a street's, the other three a community's (the seed's 5 + 5 + 30 万元 per community).
  CHECK ((kind = 'charity') = (length(region_code) = 9) AND length(region_code) IN (9, 12)),
  UNIQUE (region_code, kind, year)
);
CREATE INDEX ledger_funds_region ON ledger_funds (region_code text_pattern_ops) INCLUDE (kind, year, amount_wan);
