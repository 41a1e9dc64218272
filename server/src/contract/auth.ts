/** Roles and the logged-in user as the client sees them. */
export const ROLES = ['admin', 'leader', 'coordinator', 'display'] as const;
export type Role = (typeof ROLES)[number];

export interface SessionUser {
  username: string;
  role: Role;
  /** Root of the user's region subtree: reads and writes are limited to it. */
  regionCode: string;
}

export interface LoginResponse {
  token: string;
  user: SessionUser;
}
