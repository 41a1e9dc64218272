/** Alerts (告警) over HTTP: GET /api/alerts, POST /api/alerts/:id/ack and /resolve (server/src/alerts). */
import type { Alert, AlertList, AlertQueryState } from '$contract/alerts';
import { getJson, postJson, type RequestOptions } from './http';

export function fetchAlerts(region: string, state: AlertQueryState = 'active', opts: RequestOptions = {}): Promise<AlertList> {
  const q = new URLSearchParams({ region, state });
  return getJson<AlertList>(`/api/alerts?${q}`, opts);
}

export function ackAlert(alert: Pick<Alert, 'id' | 'version'>): Promise<Alert> {
  return postJson<Alert>(`/api/alerts/${encodeURIComponent(alert.id)}/ack`, { version: alert.version });
}

export function resolveAlert(alert: Pick<Alert, 'id' | 'version'>, resolution: string): Promise<Alert> {
  return postJson<Alert>(`/api/alerts/${encodeURIComponent(alert.id)}/resolve`, { resolution, version: alert.version });
}
