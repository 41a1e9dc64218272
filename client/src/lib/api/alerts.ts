/** Alerts (告警) over HTTP: GET /api/alerts, POST /api/alerts/:id/ack and /resolve (server/src/alerts). */
import type { Alert, AlertList, AlertQueryState } from '$contract/alerts';
import { getJson, postJson, type RequestOptions } from './http';

/** Without `region`: all the user's subtrees (every grid of a coordinator). */
export function fetchAlerts(region: string | null, state: AlertQueryState = 'active', opts: RequestOptions = {}): Promise<AlertList> {
  const q = new URLSearchParams({ state });
  if (region) q.set('region', region);
  return getJson<AlertList>(`/api/alerts?${q}`, opts);
}

export function ackAlert(alert: Pick<Alert, 'id' | 'version'>): Promise<Alert> {
  return postJson<Alert>(`/api/alerts/${encodeURIComponent(alert.id)}/ack`, { version: alert.version });
}

export function resolveAlert(alert: Pick<Alert, 'id' | 'version'>, resolution: string): Promise<Alert> {
  return postJson<Alert>(`/api/alerts/${encodeURIComponent(alert.id)}/resolve`, { resolution, version: alert.version });
}
