/**
 * Administration API (/admin): users and the campaign lifecycle. Types come from the server's contract; the
 * checks are shallow, as in points.ts, so a wrong answer is a clear 'bad_response'.
 */
import type { AdminUser, AdminUserList, CampaignCreate, CampaignPreview, UserCreate, UserPatch } from '$contract/admin';
import type { Role } from '$contract/auth';
import type { Campaign } from '$contract/events';
import type { RegionDetail } from '$contract/regions';
import { ApiError, getJson, patchJson, postJson, type RequestOptions } from './http';

const enc = encodeURIComponent;

function bad(what: string): never {
  throw new ApiError(200, 'bad_response', `unexpected ${what} payload`);
}

function checkUser(u: AdminUser): AdminUser {
  if (typeof u?.username !== 'string' || !Array.isArray(u.regionCodes)) bad('user');
  return u;
}

export async function fetchUsers(filter: { q?: string; role?: Role | '' }, opts?: RequestOptions): Promise<AdminUserList> {
  const params = new URLSearchParams();
  if (filter.q) params.set('q', filter.q);
  if (filter.role) params.set('role', filter.role);
  params.set('limit', '300');
  const list = await getJson<AdminUserList>(`/api/admin/users?${params}`, opts);
  if (!Array.isArray(list?.users)) bad('users');
  list.users.forEach(checkUser);
  return list;
}

export const createUser = async (body: UserCreate): Promise<AdminUser> => checkUser(await postJson<AdminUser>('/api/admin/users', body));

export const updateUser = async (username: string, patch: UserPatch): Promise<AdminUser> =>
  checkUser(await patchJson<AdminUser>(`/api/admin/users/${enc(username)}`, patch));

/** A region's name for a code typed into a form (404 when there is none). */
export async function fetchRegionName(code: string, opts?: RequestOptions): Promise<{ name: string; level: RegionDetail['level'] }> {
  const r = await getJson<RegionDetail>(`/api/regions/${enc(code)}`, opts);
  if (typeof r?.name !== 'string') bad('region');
  return { name: r.name, level: r.level };
}

function checkCampaign(c: Campaign): Campaign {
  if (typeof c?.id !== 'string' || typeof c.status !== 'string') bad('campaign');
  return c;
}

export const createCampaign = async (body: CampaignCreate): Promise<Campaign> => checkCampaign(await postJson<Campaign>('/api/campaigns', body));

export async function previewCampaign(body: CampaignCreate, opts?: RequestOptions): Promise<number> {
  const p = await postJson<CampaignPreview>('/api/campaigns/preview', body, opts);
  if (typeof p?.targets !== 'number') bad('preview');
  return p.targets;
}

export const moveCampaign = async (id: string, move: 'open' | 'close'): Promise<Campaign> =>
  checkCampaign(await postJson<Campaign>(`/api/campaigns/${enc(id)}/${move}`));
