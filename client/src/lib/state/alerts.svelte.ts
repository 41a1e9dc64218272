/**
 * The unresolved alerts of one region, kept live: loaded over HTTP, then each `alerts` event of the live link
 * (its `after` is the whole alert as it is now) replaces, adds or — once resolved — drops one alert. The list is
 * `$state.raw` and replaced, never mutated; an alert that did not change keeps its object, so keyed lists and the
 * wall's banner do not redraw it.
 */
import type { Alert } from '$contract/alerts';
import type { ChangeEvent } from '$contract/events';
import { fetchAlerts } from '../api/alerts';

const isAlert = (v: unknown): v is Alert =>
  typeof v === 'object' && v !== null && typeof (v as Alert).id === 'string' && typeof (v as Alert).state === 'string' && typeof (v as Alert).regionCode === 'string';

const RETRY_MS = 10_000;

const newestFirst = (a: Alert, b: Alert) => b.raisedAt.localeCompare(a.raisedAt) || a.id.localeCompare(b.id);

export class AlertsState {
  /** Open and acknowledged alerts, newest first. */
  alerts = $state.raw<Alert[]>([]);
  /** Open = raised and not yet acknowledged by anyone. */
  open: Alert[] = $derived(this.alerts.filter((a) => a.state === 'open'));
  region = $state<string | null>(null);
  /** Why the last load failed (null after a good one); keepLoaded() retries meanwhile. */
  error = $state.raw<unknown>(null);
  #generation = 0;

  /**
   * Loads the region's unresolved alerts (null: all the user's subtrees); a change that arrives meanwhile is
   * applied on top, by version.
   */
  async load(region: string | null, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const generation = ++this.#generation;
    const { alerts } = await fetchAlerts(region, 'active', opts);
    // A later load (another region) was asked for meanwhile: it decides.
    if (generation !== this.#generation) return;
    if (region !== this.region) this.alerts = [];
    this.region = region;
    const held = new Map(this.alerts.map((a) => [a.id, a]));
    // A live change newer than the answer wins.
    this.alerts = alerts.map((a) => ((held.get(a.id)?.version ?? 0) > a.version ? held.get(a.id)! : a)).sort(newestFirst);
  }

  /**
   * Loads the region's alerts and, while a load fails (a busy or unreachable server), tries again every
   * RETRY_MS; live events keep the list current in between. Answers the function that stops the retries.
   */
  keepLoaded(region: string | null): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const attempt = () => {
      this.load(region).then(
        () => (this.error = null),
        (e) => {
          if (stopped) return;
          this.error = e;
          timer = setTimeout(attempt, RETRY_MS);
        },
      );
    };
    attempt();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** Applies a live `alerts` event; answers whether it changed the list. */
  apply(change: ChangeEvent): boolean {
    const alert = change.after;
    if (change.layer !== 'alerts' || !isAlert(alert)) return false;
    if (this.region && !alert.regionCode.startsWith(this.region)) return false;
    const current = this.alerts.find((a) => a.id === alert.id);
    if (current && current.version >= alert.version) return false;
    const rest = this.alerts.filter((a) => a.id !== alert.id);
    this.alerts = alert.state === 'resolved' ? rest : [...rest, alert].sort(newestFirst);
    return true;
  }

  /** The answer of this user's own ack or resolve (the live event may come later, or not to this screen). */
  replace(alert: Alert): void {
    this.apply({ layer: 'alerts', after: alert as unknown as Record<string, unknown> } as ChangeEvent);
  }

  clear(): void {
    this.alerts = [];
    this.region = null;
  }
}
