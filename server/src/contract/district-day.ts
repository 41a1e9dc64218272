/** The district's clock: Asia/Shanghai, UTC+8 all year (no daylight saving). */
export const DISTRICT_UTC_OFFSET_MS = 8 * 3_600_000;

/**
 * Today's date in the district, YYYY-MM-DD: what "today" means for dates people enter and periods they read (a
 * meeting held this morning in Zhengzhou is still yesterday in UTC before 08:00).
 */
export const districtToday = (now = Date.now()): string => new Date(now + DISTRICT_UTC_OFFSET_MS).toISOString().slice(0, 10);
