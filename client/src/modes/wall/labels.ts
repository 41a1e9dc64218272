/** Wall wording of wire codes (layer names, severities, tiers) and durations; see lib/i18n/labels.ts. */
import { t } from '../../lib/i18n/i18n.svelte';
import { label } from '../../lib/i18n/labels';

export { statusLabel } from '../../lib/i18n/labels';

export const layerLabel = (layer: string) => label(`wall.layer.${layer}`, layer);
export const severityLabel = (severity: string) => label(`wall.severity.${severity}`, severity);
export const tierLabel = (tier: string) => label(`wall.tier.${tier}`, tier);

/** "3 分 05 秒"-style text of a duration. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('wall.duration.s', { s: String(s) });
  if (s < 3600) return t('wall.duration.ms', { m: String(Math.floor(s / 60)), s: String(s % 60).padStart(2, '0') });
  return t('wall.duration.hm', { h: String(Math.floor(s / 3600)), m: String(Math.floor((s % 3600) / 60)).padStart(2, '0') });
}
