/**
 * localStorage keys of the client, in one plain module (no runes) so e2e tests can seed a session with the
 * same key the app reads.
 */
export const STORAGE_KEYS = {
  /** Bearer token of the signed-in user. */
  token: 'jinshui.token',
  /** The signed-in user (JSON of the contract's SessionUser), for display. */
  user: 'jinshui.user',
  /** UI language: 'zh-CN' | 'en'. */
  locale: 'jinshui.locale',
  /** KPI the map is coloured by. */
  choropleth: 'jinshui.choropleth',
  /** The leader map's point layers: which are on and their filters (modes/leader/layer-settings.ts). */
  leaderLayers: 'jinshui.leader.layers',
} as const;
