/** Point layers and their status workflows, shared by server and client. */

export const LAYERS = ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units', 'micro-wishes'] as const;
export type LayerName = (typeof LAYERS)[number];

export const isLayerName = (v: string): v is LayerName => (LAYERS as readonly string[]).includes(v);

/**
 * Allowed status transitions per layer: from → the statuses it may move to. The keys are the layer's whole
 * status set. A status with no onward move is final.
 */
export const TRANSITIONS: Record<LayerName, Record<string, readonly string[]>> = {
  // 楼院: campaign rectification of (mostly unmanaged) compounds.
  compounds: {
    normal: ['pending'],
    pending: ['in_progress'],
    in_progress: ['done', 'pending'],
    done: ['verified', 'in_progress'],
    verified: ['pending'],
  },
  'service-centres': { open: ['renovating', 'closed'], renovating: ['open'], closed: ['open'] },
  projects: { planned: ['in_progress'], in_progress: ['completed'], completed: ['accepted', 'in_progress'], accepted: [] },
  'temp-branches': { active: ['dissolved'], dissolved: [] },
  // 矛盾纠纷: escalation moves the case to the next mediation level (community → street → district).
  disputes: {
    reported: ['accepted', 'referred'],
    accepted: ['mediating', 'referred'],
    mediating: ['resolved', 'escalated', 'referred'],
    escalated: ['mediating', 'resolved', 'referred'],
    resolved: [],
    referred: [],
  },
  'member-units': { active: ['inactive'], inactive: ['active'] },
  // 微心愿: a resident's small wish, claimed by a member unit (点单式服务) and fulfilled; a claim may be released.
  'micro-wishes': { open: ['claimed', 'cancelled'], claimed: ['fulfilled', 'open', 'cancelled'], fulfilled: [], cancelled: [] },
};

/** Layers whose points may be created through the API (POST /api/layers/:layer); the others come from imports. */
export const CREATABLE_LAYERS = ['micro-wishes'] as const satisfies readonly LayerName[];

/** Categories of a micro-wish (微心愿): elderly care, students, hardship, disability, environment, culture, other. */
export const WISH_CATEGORIES = ['elderly', 'students', 'hardship', 'disabled', 'environment', 'culture', 'other'] as const;
export type WishCategory = (typeof WISH_CATEGORIES)[number];

/** POST /api/layers/micro-wishes body: a new open wish at a location (WGS84). */
export interface WishCreate {
  /** The wish in a few words; it is the feature's `name`. */
  name: string;
  /** Who asked, as a short label (e.g. "3号楼 王阿姨"): no personal data beyond that. */
  requester: string;
  category: WishCategory;
  lon: number;
  lat: number;
  note?: string;
}

/** A member unit that may claim a wish: an active unit of the regional committees of the wish's street. */
export interface Claimant {
  id: string;
  name: string;
  kind: string;
  committee: string;
  regionCode: string;
}

/** Disputes not yet closed; overdue when also past their deadline. */
export const OPEN_DISPUTE_STATUSES = ['reported', 'accepted', 'mediating', 'escalated'] as const;
