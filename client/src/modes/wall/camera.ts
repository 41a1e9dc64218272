/** Camera targets of the wall: a region to fit or an event to fly to. `key` identifies a target (see CameraDirector). */
import type { BBox, LngLat } from '../../lib/geo/geometry';

export type CameraTarget = { key: string; bounds: BBox } | { key: string; center: LngLat; zoom: number };

/** Zoom at which a single event is shown: its compound and street corner are readable. */
export const EVENT_ZOOM = 15;
