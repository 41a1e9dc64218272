/** Wire types of administration (/admin and its API): users and campaigns. Shared by server and client. */
import type { Role } from './auth.js';
import type { LayerName } from './layers.js';

/** A user as an administrator sees it. Never carries a password or its hash. */
export interface AdminUser {
  username: string;
  role: Role;
  /** Roots of the user's region subtrees; a coordinator may hold several grids, everyone else one region. */
  regionCodes: string[];
  /** Names of regionCodes, in the same order. */
  regionNames: string[];
  disabled: boolean;
  /** A demo account of the sample (shared password). */
  demo: boolean;
  createdAt: string;
}

/** GET /api/admin/users?q=&role=&limit= — the users in the admin's subtree; `total` counts all matches. */
export interface AdminUserList {
  users: AdminUser[];
  total: number;
}

/** Username rule of migration 003 (users.username CHECK). */
export const USERNAME_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';
export const MIN_PASSWORD_LENGTH = 8;

/** POST /api/admin/users */
export interface UserCreate {
  username: string;
  password: string;
  role: Role;
  regionCodes: string[];
}

/** PATCH /api/admin/users/:username — any subset; `password` resets it (and ends the user's sessions). */
export interface UserPatch {
  role?: Role;
  regionCodes?: string[];
  disabled?: boolean;
  password?: string;
}

/** How a campaign's targets are chosen: points of its layer in a region subtree, optionally filtered. */
export interface CampaignTargetFilter {
  region: string;
  /** Current statuses to include (any of); omitted = all. */
  statuses?: string[];
  /** Equality on the layer's own properties (e.g. `{ kind: 'unmanaged' }`), names as on the wire. */
  where?: Record<string, string | number | boolean>;
}

/** POST /api/campaigns — created as a draft; POST /api/campaigns/:id/open and /close move it on. */
export interface CampaignCreate {
  name: string;
  layer: LayerName;
  startsAt: string;
  endsAt: string;
  /** A target counts as done once its status is one of these. */
  doneStatuses: string[];
  targets: CampaignTargetFilter;
}

/** POST /api/campaigns/preview — how many targets a CampaignCreate would choose now. */
export interface CampaignPreview {
  targets: number;
}
