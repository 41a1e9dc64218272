/** Roles and the logged-in user as the client sees them. */
export const ROLES = ['admin', 'leader', 'coordinator', 'display'] as const;
export type Role = (typeof ROLES)[number];

export interface SessionUser {
  username: string;
  role: Role;
  /** Root of the user's (first) region subtree; equals regionCodes[0]. */
  regionCode: string;
  /**
   * Roots of all the user's region subtrees: reads and writes are limited to them. A coordinator may hold several
   * grids; every other role holds one region.
   */
  regionCodes: string[];
}

export interface LoginResponse {
  token: string;
  user: SessionUser;
}
