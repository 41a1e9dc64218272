/**
 * Wire codes (layer names, statuses, severities) → catalogue texts. Codes come from the server as plain strings,
 * so each is checked against the catalogue; an unknown one is shown as it is rather than as a key.
 */
import { zhCN } from '../../lib/i18n/zh-CN';
import { t, type MessageKey } from '../../lib/i18n/i18n.svelte';

const known = (key: string): key is MessageKey => key in zhCN;

function label(key: string, fallback: string): string {
  return known(key) ? t(key) : fallback;
}

export const layerLabel = (layer: string) => label(`wall.layer.${layer}`, layer);
export const statusLabel = (layer: string, status: string) => label(`wall.status.${layer}.${status}`, status);
export const severityLabel = (severity: string) => label(`wall.severity.${severity}`, severity);
export const tierLabel = (tier: string) => label(`wall.tier.${tier}`, tier);

/** "3 分 05 秒"-style text of a duration. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return t('wall.duration.s', { s: String(s) });
  if (s < 3600) return t('wall.duration.ms', { m: String(Math.floor(s / 60)), s: String(s % 60).padStart(2, '0') });
  return t('wall.duration.hm', { h: String(Math.floor(s / 3600)), m: String(Math.floor((s % 3600) / 60)).padStart(2, '0') });
}
