/** Point layers and their status workflows, shared by server and client. */

export const LAYERS = ['compounds', 'service-centres', 'projects', 'temp-branches', 'disputes', 'member-units'] as const;
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
};

/** Disputes not yet closed; overdue when also past their deadline. */
export const OPEN_DISPUTE_STATUSES = ['reported', 'accepted', 'mediating', 'escalated'] as const;
