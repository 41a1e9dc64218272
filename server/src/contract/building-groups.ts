/** Wire types of a building group's (楼组) records: 三会制 meetings and 星级楼组 star ratings, with history. */

/** 三会制: 民情分析会 (situation analysis), 党群议事会 (Party–masses deliberation), 民主评议会 (democratic review). */
export const MEETING_KINDS = ['situation', 'deliberation', 'review'] as const;
export type MeetingKind = (typeof MEETING_KINDS)[number];

/** POST /api/regions/:code/meetings body (the code is a building group's). */
export interface MeetingCreate {
  kind: MeetingKind;
  /** YYYY-MM-DD, not in the future. */
  heldOn: string;
  topic: string;
  attendees: number;
  outcome?: string;
}

export interface Meeting extends Required<MeetingCreate> {
  id: number;
  regionCode: string;
  /** The building group's name. */
  regionName: string;
  createdBy: string;
  createdAt: string;
}

/** GET /api/regions/:code/meetings: the subtree's meetings, newest first, one page; `byKind` over the last 12 months. */
export interface MeetingsPage {
  meetings: Meeting[];
  total: number;
  limit: number;
  offset: number;
  /** Meetings per kind held in the last 12 months in the whole subtree (the 三会 roll-up). */
  byKind: Record<MeetingKind, number>;
}

/** POST /api/regions/:code/ratings body. */
export interface RatingCreate {
  stars: number;
  /** YYYY-MM-DD, not in the future. */
  ratedOn: string;
  reason: string;
}

export interface Rating extends RatingCreate {
  id: number;
  regionCode: string;
  ratedBy: string;
  createdAt: string;
}

/** GET /api/regions/:code/ratings: a building group's ratings, newest first; `current` is regions.star_rating. */
export interface RatingHistory {
  code: string;
  current: number | null;
  ratings: Rating[];
}
