/**
 * Wire codes (statuses, layer names, coded values) → catalogue texts. Codes come from the server as plain strings,
 * so each is checked against the catalogue; an unknown one (a status added on the server) is shown as it is
 * rather than as a key.
 */
import { zhCN } from './zh-CN';
import { t, type MessageKey } from './i18n.svelte';

export const isMessageKey = (key: string): key is MessageKey => key in zhCN;

export function label(key: string, fallback: string): string {
  return isMessageKey(key) ? t(key) : fallback;
}

/** A point's status in the UI language; the leader drill-down and the wall say it the same way. */
export const statusLabel = (layer: string, status: string): string => label(`status.${layer}.${status}`, status);
