import type { LayerName } from '../contract/layers.js';

/** How a wire property maps to a column. `sql` is the column's type, used to cast values read from JSON. */
export interface LayerColumn {
  prop: string;
  column: string;
  sql: 'text' | 'integer' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'text[]';
}

export interface LayerModel {
  name: LayerName;
  table: string;
  /** Layer-specific columns; id, name, status, version, region_code, geom and timestamps are common to all. */
  columns: LayerColumn[];
}

const col = (prop: string, column: string, sql: LayerColumn['sql'] = 'text'): LayerColumn => ({ prop, column, sql });

/** Table layout of each point layer (migrations/002_layers.sql). Table and column names never come from input. */
export const LAYER_MODELS: Record<LayerName, LayerModel> = {
  compounds: {
    name: 'compounds',
    table: 'compounds',
    columns: [
      col('kind', 'kind'),
      col('propertyService', 'property_service'),
      col('fourInOne', 'four_in_one', 'boolean'),
      col('renovation', 'renovation'),
    ],
  },
  'service-centres': {
    name: 'service-centres',
    table: 'service_centres',
    columns: [
      col('level', 'level'),
      col('tier', 'tier'),
      col('rooms', 'rooms', 'text[]'),
      col('fundsWan', 'funds_wan', 'numeric'),
      col('peopleServed', 'people_served', 'integer'),
    ],
  },
  projects: {
    name: 'projects',
    table: 'projects',
    columns: [col('type', 'type'), col('progress', 'progress', 'integer'), col('investmentWan', 'investment_wan', 'numeric')],
  },
  'temp-branches': {
    name: 'temp-branches',
    table: 'temp_branches',
    columns: [
      col('origin', 'origin'),
      col('projectId', 'project_id'),
      col('compoundId', 'compound_id'),
      col('secretary', 'secretary'),
      col('members', 'members', 'integer'),
      col('foundedAt', 'founded_at', 'date'),
      col('dissolvedAt', 'dissolved_at', 'date'),
    ],
  },
  disputes: {
    name: 'disputes',
    table: 'disputes',
    columns: [
      col('category', 'category'),
      col('severity', 'severity'),
      col('mediationLevel', 'mediation_level'),
      col('reportedAt', 'reported_at', 'timestamptz'),
      col('deadline', 'deadline', 'timestamptz'),
      col('participants', 'participants', 'text[]'),
    ],
  },
  'member-units': {
    name: 'member-units',
    table: 'member_units',
    columns: [
      col('kind', 'kind'),
      col('committee', 'committee'),
      col('jointMeetings', 'joint_meetings', 'integer'),
      col('agreements', 'agreements', 'integer'),
      col('jointServices', 'joint_services', 'integer'),
    ],
  },
};

/** Layers in the order their rows may be inserted (temporary branches refer to projects and compounds). */
export const LAYER_LOAD_ORDER: LayerName[] = ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units'];
