import { TRANSITIONS, WISH_CATEGORIES, type LayerName } from '../contract/layers.js';
import { badRequest } from '../errors.js';

/** How a wire property maps to a column. `sql` is the column's type, used to cast values read from JSON. */
export interface LayerColumn {
  prop: string;
  column: string;
  sql: 'text' | 'integer' | 'numeric' | 'boolean' | 'date' | 'timestamptz' | 'text[]';
  /** The allowed values: the column's CHECK domain in migrations/002_layers.sql (imports reject others). */
  values?: readonly string[];
  /** NOT NULL without a DEFAULT: an imported row must give it. */
  required?: boolean;
  /** The column's DEFAULT as an SQL literal (a constant of this file, never input); absent and not required = NULL. */
  default?: string;
  /** Inclusive bounds of a number (CHECK constraints, and counts or money that cannot be negative). */
  min?: number;
  max?: number;
  /** The id of a feature of another layer (a foreign key). */
  references?: LayerName;
}

export interface LayerModel {
  name: LayerName;
  table: string;
  /** Layer-specific columns; id, name, status, version, region_code, geom and timestamps are common to all. */
  columns: LayerColumn[];
}

type ColumnRules = Omit<LayerColumn, 'prop' | 'column' | 'sql'>;
const col = (prop: string, column: string, sql: LayerColumn['sql'] = 'text', rules: ColumnRules = {}): LayerColumn => ({ prop, column, sql, ...rules });
const COUNT: ColumnRules = { default: '0', min: 0 };

/** Table layout of each point layer (migrations/002_layers.sql). Table and column names never come from input. */
export const LAYER_MODELS: Record<LayerName, LayerModel> = {
  compounds: {
    name: 'compounds',
    table: 'compounds',
    columns: [
      col('kind', 'kind', 'text', { values: ['commercial', 'unit_owned', 'unmanaged'], required: true }),
      col('propertyService', 'property_service', 'text', { values: ['none', 'red', 'commercial'], required: true }),
      col('fourInOne', 'four_in_one', 'boolean', { default: 'false' }),
      col('renovation', 'renovation', 'text', { values: ['none', 'planned', 'in_progress', 'done'], default: "'none'" }),
    ],
  },
  'service-centres': {
    name: 'service-centres',
    table: 'service_centres',
    columns: [
      col('level', 'level', 'text', { values: ['street', 'community'], required: true }),
      col('tier', 'tier', 'text', { values: ['street', '500', '1000'], required: true }),
      col('rooms', 'rooms', 'text[]', { default: "'{}'" }),
      col('fundsWan', 'funds_wan', 'numeric', COUNT),
      col('peopleServed', 'people_served', 'integer', COUNT),
    ],
  },
  projects: {
    name: 'projects',
    table: 'projects',
    columns: [
      col('type', 'type', 'text', { values: ['old_compound_renovation', 'back_street', 'urban_village', 'property_management'], required: true }),
      col('progress', 'progress', 'integer', { default: '0', min: 0, max: 100 }),
      col('investmentWan', 'investment_wan', 'numeric', COUNT),
    ],
  },
  'temp-branches': {
    name: 'temp-branches',
    table: 'temp_branches',
    columns: [
      col('origin', 'origin', 'text', { values: ['project', 'compound'], required: true }),
      col('projectId', 'project_id', 'text', { references: 'projects' }),
      col('compoundId', 'compound_id', 'text', { references: 'compounds' }),
      col('secretary', 'secretary', 'text', { default: "''" }),
      col('members', 'members', 'integer', COUNT),
      col('foundedAt', 'founded_at', 'date', { required: true }),
      col('dissolvedAt', 'dissolved_at', 'date'),
    ],
  },
  disputes: {
    name: 'disputes',
    table: 'disputes',
    columns: [
      col('category', 'category', 'text', { values: ['neighbour', 'property', 'family', 'labour', 'land', 'other'], required: true }),
      col('severity', 'severity', 'text', { values: ['low', 'medium', 'high'], required: true }),
      col('mediationLevel', 'mediation_level', 'text', { values: ['community', 'street', 'district'], required: true }),
      col('reportedAt', 'reported_at', 'timestamptz', { required: true }),
      col('deadline', 'deadline', 'timestamptz', { required: true }),
      col('participants', 'participants', 'text[]', { default: "'{}'" }),
    ],
  },
  'member-units': {
    name: 'member-units',
    table: 'member_units',
    columns: [
      col('kind', 'kind', 'text', { values: ['enterprise', 'institution', 'non_public', 'market'], required: true }),
      // Their meetings, agreements and services are ledger records naming them (migrations/011_ledger.sql).
      col('committee', 'committee', 'text', { values: ['street', 'community'], required: true }),
    ],
  },
  // 微心愿 (migrations/012): the feature's name is the wish's title.
  'micro-wishes': {
    name: 'micro-wishes',
    table: 'micro_wishes',
    columns: [
      col('requester', 'requester', 'text', { default: "''" }),
      col('category', 'category', 'text', { values: WISH_CATEGORIES, required: true }),
      col('claimedBy', 'claimed_by', 'text', { references: 'member-units' }),
      col('claimedAt', 'claimed_at', 'timestamptz'),
      col('fulfilledAt', 'fulfilled_at', 'timestamptz'),
    ],
  },
};

/** Layers in the order their rows may be inserted (temporary branches refer to projects and compounds). */
export const LAYER_LOAD_ORDER: LayerName[] = ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units', 'micro-wishes'];

/** A `status=a,b` filter of a layer (layers and tiles), or a 400 naming the unknown statuses and the known ones. */
export function parseStatuses(layer: LayerName, text: string): string[] {
  const statuses = text.split(',').map((s) => s.trim());
  const unknown = statuses.filter((s) => !(s in TRANSITIONS[layer]));
  if (unknown.length) throw badRequest(`Unknown ${layer} status: ${unknown.join(', ')}; known: ${Object.keys(TRANSITIONS[layer]).join(', ')}`);
  return statuses;
}
