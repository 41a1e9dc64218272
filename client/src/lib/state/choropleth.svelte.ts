/** Which KPI colours the map. Remembered per browser: a leader who watches disputes wants them again tomorrow. */
import { STORAGE_KEYS } from './storage-keys';
import { CHOROPLETH_METRICS, type ChoroplethMetric } from '../map/choropleth';

const STORAGE_KEY = STORAGE_KEYS.choropleth;

function stored(): ChoroplethMetric {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return CHOROPLETH_METRICS.includes(v as ChoroplethMetric) ? (v as ChoroplethMetric) : 'openDisputes';
  } catch {
    return 'openDisputes';
  }
}

export class ChoroplethState {
  metric = $state<ChoroplethMetric>(stored());

  set(metric: ChoroplethMetric): void {
    this.metric = metric;
    try {
      localStorage.setItem(STORAGE_KEY, metric);
    } catch {
      /* in-memory only */
    }
  }
}
