/** Typed calls for a building group's (楼组) records: 三会 meetings and 星级 ratings (server/src/building-groups). */
import type { Meeting, MeetingCreate, MeetingsPage, Rating, RatingCreate, RatingHistory } from '$contract/building-groups';
import { ApiError, getJson, postJson, type RequestOptions } from './http';

const base = (code: string) => `/api/regions/${encodeURIComponent(code)}`;

export async function fetchMeetings(code: string, limit = 5, opts?: RequestOptions): Promise<MeetingsPage> {
  const page = await getJson<MeetingsPage>(`${base(code)}/meetings?limit=${limit}`, opts);
  if (!Array.isArray(page?.meetings) || typeof page.byKind !== 'object') throw new ApiError(200, 'bad_response', 'unexpected meetings payload');
  return page;
}

export async function fetchRatings(code: string, opts?: RequestOptions): Promise<RatingHistory> {
  const history = await getJson<RatingHistory>(`${base(code)}/ratings`, opts);
  if (!Array.isArray(history?.ratings)) throw new ApiError(200, 'bad_response', 'unexpected ratings payload');
  return history;
}

export const postMeeting = (code: string, body: MeetingCreate) => postJson<Meeting>(`${base(code)}/meetings`, body);
export const postRating = (code: string, body: RatingCreate) => postJson<{ rating: Rating; current: number }>(`${base(code)}/ratings`, body);

