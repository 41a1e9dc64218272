/**
 * Everything the wall shows, kept live. Loading order matters: the newest seq is read FIRST, then the data, then
 * the live link starts after that seq — a change committed while the data loads is delivered again by the link
 * and ignored by version if the data already had it, so nothing falls between the load and the link.
 *
 * Changes update the point stores by delta (one row, a new array), add a feed entry and a flash, and schedule
 * one debounced refetch of the figures that only the server can compute (stats, campaign progress). After the
 * link recovers from an outage, the missed changes have been caught up by LiveFeed and the figures are
 * refetched. Every timer is owned here and cleared by `stop()`; the feed and flashes are capped, so memory
 * stays flat on a wall that runs for weeks.
 *
 * A layer with more points than the server's tile threshold is drawn from vector tiles (`tiles`); its store then
 * holds only the points changed live (lib/state/points.svelte.ts). Disputes are never tiled: the wall shows the
 * open ones only, so a large district loads just those (and the hot spots then cover open cases).
 */
import type { CampaignProgress, ChangeEvent } from '$contract/events';
import { OPEN_DISPUTE_STATUSES, type LayerName } from '$contract/layers';
import type { RegionRef, RegionStats } from '$contract/regions';
import { ApiError, getJson } from '../../lib/api/http';
import { fetchChildren, fetchStats } from '../../lib/api/regions';
import { clientConfig, useTiles } from '../../lib/api/config';
import { fetchCampaignProgress, fetchEvents, fetchPoint, fetchPoints, type PointFeature } from '../../lib/api/points';
import { LiveLink, type LiveChange } from '../../lib/state/live.svelte';
import { AlertsState } from '../../lib/state/alerts.svelte';
import { PointLayerState, type MapPoint } from '../../lib/state/points.svelte';
import { RegionNames } from '../../lib/state/region-names.svelte';
import type { RegionFeature } from '../../lib/state/region.svelte';
import { MAP_POINT_LAYERS, type MapPointLayer } from '../../lib/map/deck/point-layers';
import { FLASH_MS, type Flash } from '../../lib/map/deck/live-effects';
import type { Rgb } from '../../lib/map/deck/point-symbols';
import type { LngLat } from '../../lib/geo/geometry';

/** The campaign the wall tracks (SPEC §2: unmanaged-compound renovation). */
export const CAMPAIGN_ID = 'unmanaged-compounds';

export const WALL_METRICS = ['campaign', 'openDisputes', 'overdueDisputes'] as const;
export type WallMetric = (typeof WALL_METRICS)[number];
export const isWallMetric = (v: string | null | undefined): v is WallMetric => (WALL_METRICS as readonly string[]).includes(v ?? '');

/**
 * Feed length: enough to read back a burst, small enough to keep the DOM and memory flat. The wall opens with the
 * last FEED_MAX changes from the log, so it never shows an empty list and its memory starts at its steady state.
 */
export const FEED_MAX = 50;
/** At most this many rings at once (a bulk import must not spawn thousands). */
const FLASH_MAX = 60;
/** Debounce of the server-computed figures after changes; `max` bounds the wait during a steady stream. */
const REFRESH_DEBOUNCE_MS = 1200;
const REFRESH_MAX_WAIT_MS = 5000;
/** Safety net: figures that change with time alone (overdue cases) are refetched this often. */
const PERIODIC_REFRESH_MS = 5 * 60_000;
/** Overdue is "deadline < now": re-evaluated this often without any event. */
const CLOCK_TICK_MS = 30_000;
/** Dispute hot spots cover this many recent days. */
export const HOTSPOT_DAYS = 90;
const DAY_MS = 86_400_000;
const RETRY_DELAYS_S = [3, 5, 10, 20, 30];
/**
 * The socket stays up when only the database is away, so the link alone cannot tell the wall its data went stale:
 * /api/health (one `SELECT 1`, no token) is asked this often and answers 503 while the database is unreachable.
 */
const HEALTH_POLL_MS = 5000;

export interface FeedEntry {
  seq: number;
  at: Date;
  actor: string;
  layer: ChangeEvent['layer'];
  id: string;
  name: string;
  op: ChangeEvent['op'];
  from: string | null;
  to: string | null;
  /** District first, the point's deepest region last. */
  regionPath: readonly string[];
  severity: string | null;
  /** A high-severity dispute or an escalation: shown in red and, with the tour on, flown to. */
  alert: boolean;
}

export interface Focus {
  key: number;
  position: LngLat;
  entry: FeedEntry;
}

const FLASH_COLOR: Rgb = [255, 226, 138];
const ALERT_FLASH_COLOR: Rgb = [255, 90, 90];

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const isOpen = (p: MapPoint) => (OPEN_DISPUTE_STATUSES as readonly string[]).includes(p.props.status);
const timeOf = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : NaN);
const isMapLayer = (l: string): l is MapPointLayer => (MAP_POINT_LAYERS as readonly string[]).includes(l);

export class WallState {
  status = $state<'loading' | 'ready' | 'error'>('loading');
  error = $state.raw<ApiError | null>(null);
  retryIn = $state(0);
  /** The server answers but its database does not: nothing new can arrive, the figures may be out of date. */
  dataStale = $state(false);

  /** The user's region (the district for the display account) and its child regions (the choropleth). */
  region = $state.raw<RegionRef | null>(null);
  children = $state.raw<RegionFeature[]>([]);
  stats = $state.raw<RegionStats | null>(null);
  campaign = $state.raw<CampaignProgress | null>(null);
  /** Newest first, at most FEED_MAX. */
  feed = $state.raw<FeedEntry[]>([]);
  flashes = $state.raw<Flash[]>([]);
  /** The latest alerting change (fly-to target of the tour). */
  focus = $state.raw<Focus | null>(null);
  /** Increments when a full data set was loaded: the map's settle key. */
  generation = $state(0);
  metric = $state<WallMetric>('campaign');
  /** Layers drawn from vector tiles, and the generation of their tiles (bumped when an import invalidates them). */
  tiles = $state.raw<{ layers: ReadonlySet<MapPointLayer>; generation: number }>({ layers: new Set(), generation: 0 });
  /** Wall-clock time, ticking every CLOCK_TICK_MS: overdue is judged against it. */
  now = $state(Date.now());

  readonly layers: Record<MapPointLayer, PointLayerState> = Object.fromEntries(
    MAP_POINT_LAYERS.map((l) => [l, new PointLayerState(l)]),
  ) as Record<MapPointLayer, PointLayerState>;
  readonly live = new LiveLink();
  readonly names = new RegionNames();
  /** Unresolved alerts of the wall's region (the banner and the header's count). */
  readonly alerts = new AlertsState();

  openDisputes: MapPoint[] = $derived(this.layers.disputes.points.filter(isOpen));
  #overdue: MapPoint[] = [];
  /** Same array while the same cases are overdue, so the pulse layer's data does not churn every tick. */
  overdueDisputes: MapPoint[] = $derived.by(() => {
    const now = this.now;
    const next = this.openDisputes.filter((p) => timeOf(p.props.deadline) < now);
    const prev = this.#overdue;
    if (next.length === prev.length && next.every((p, i) => p === prev[i])) return prev;
    return (this.#overdue = next);
  });
  #today = $derived(Math.floor(this.now / DAY_MS));
  /** Disputes reported in the last HOTSPOT_DAYS days, any status: where conflicts concentrate. */
  recentDisputes: MapPoint[] = $derived.by(() => {
    const from = (this.#today - HOTSPOT_DAYS) * DAY_MS;
    return this.layers.disputes.points.filter((p) => timeOf(p.props.reportedAt) >= from);
  });

  /** Child-region code → value of the current metric; missing = no data. */
  childValues: Map<string, number> = $derived.by(() => {
    const values = new Map<string, number>();
    if (this.metric === 'campaign') {
      for (const c of this.campaign?.children ?? []) if (c.targets > 0) values.set(c.code, Math.round((100 * c.done) / c.targets));
      return values;
    }
    const codeLength = this.children[0]?.properties.code.length ?? 9;
    for (const f of this.children) values.set(f.properties.code, 0);
    const points = this.metric === 'openDisputes' ? this.openDisputes : this.overdueDisputes;
    for (const p of points) {
      const code = p.props.regionCode.slice(0, codeLength);
      if (values.has(code)) values.set(code, values.get(code)! + 1);
    }
    return values;
  });

  /** How the last full load read each layer (tiles, a status-filtered load, or all of it). */
  #tileLoad: ((l: MapPointLayer) => Promise<PointFeature[]>) | null = null;
  #stopped = false;
  #abort = new AbortController();
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #intervals: ReturnType<typeof setInterval>[] = [];
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #refreshFirstAsk = 0;
  #attempt = 0;

  constructor(options: { metric?: WallMetric } = {}) {
    if (options.metric) this.metric = options.metric;
  }

  start(token: string): void {
    this.#intervals.push(
      setInterval(() => (this.now = Date.now()), CLOCK_TICK_MS),
      setInterval(() => this.scheduleRefresh(0), PERIODIC_REFRESH_MS),
      setInterval(() => void this.#checkHealth(), HEALTH_POLL_MS),
    );
    void this.#load(token);
  }

  stop(): void {
    this.#stopped = true;
    this.#abort.abort();
    this.live.stop();
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const i of this.#intervals) clearInterval(i);
    this.#intervals = [];
    if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
  }

  /** A point as the wall holds it (for texts and the test hook); undefined for layers not on the map. */
  point(layer: string, id: string): MapPoint | undefined {
    return isMapLayer(layer) ? this.layers[layer].get(id) : undefined;
  }

  async #load(token: string): Promise<void> {
    const { signal } = this.#abort;
    try {
      // Without `region`, /api/stats answers the user's own region: that is what this wall shows.
      const [own, config] = await Promise.all([getJson<RegionStats>('/api/stats', { signal }), clientConfig()]);
      const root = own.region.code;
      const large = new Set(MAP_POINT_LAYERS.filter((l) => useTiles(config, own, l)));
      const tiled: ReadonlySet<MapPointLayer> = new Set([...large].filter((l) => l !== 'disputes'));
      const load = (l: MapPointLayer) =>
        tiled.has(l)
          ? Promise.resolve([])
          : fetchPoints(l, root, undefined, { signal, statuses: large.has(l) ? OPEN_DISPUTE_STATUSES : undefined });
      // The seq baseline comes before the data (see the header comment).
      const { last } = await fetchEvents(0, root, 1, { signal });
      const [children, campaign, , recent, ...layers] = await Promise.all([
        fetchChildren(root, { signal }),
        this.#fetchCampaign(root, signal),
        // Alerts are news, not the situation: the wall shows without them if they cannot be read.
        this.alerts.load(root, { signal }).catch(() => undefined),
        fetchEvents(Math.max(0, last - FEED_MAX), root, FEED_MAX, { signal }),
        ...MAP_POINT_LAYERS.map(load),
      ]);
      if (this.#stopped) return;

      this.#tileLoad = load;
      for (const l of MAP_POINT_LAYERS) this.layers[l].useTiles(tiled.has(l));
      this.tiles = { layers: tiled, generation: this.tiles.generation + 1 };
      MAP_POINT_LAYERS.forEach((l, i) => this.layers[l].load(layers[i]));
      this.names.remember([own.region, ...children.features.map((f) => f.properties)]);
      this.region = own.region;
      this.children = children.features;
      this.stats = own;
      this.campaign = campaign;
      this.feed = recent.events
        // As on the live path: administration of users and campaigns is not news for the feed, alerts have the banner.
        .filter((e) => e.seq <= last && e.layer !== 'users' && e.layer !== 'campaigns' && e.layer !== 'alerts')
        .map((e) => this.#entry(e, this.point(e.layer, e.id)))
        .reverse()
        .slice(0, FEED_MAX);
      for (const e of this.feed) this.#requestNames(e);
      this.error = null;
      this.#attempt = 0;
      this.status = 'ready';
      this.generation++;

      const newest = this.feed[0];
      this.live.start({
        token,
        region: root,
        since: last,
        onChange: (c) => this.#onChange(c),
        onRecovered: () => this.#onRecovered(),
        lastEventAt: newest?.at ?? null,
      });
    } catch (e) {
      if (this.#stopped || signal.aborted) return;
      const err = e instanceof ApiError ? e : new ApiError(0, 'client_error', e instanceof Error ? e.message : String(e));
      this.error = err;
      this.status = 'error';
      // A 401 hands over to the login form (the session is dropped); anything else is retried by itself.
      if (err.unauthorized) return;
      const delay = RETRY_DELAYS_S[Math.min(this.#attempt++, RETRY_DELAYS_S.length - 1)];
      this.#countdown(delay, () => void this.#load(token));
    }
  }

  async #fetchCampaign(root: string, signal?: AbortSignal): Promise<CampaignProgress | null> {
    try {
      return await fetchCampaignProgress(CAMPAIGN_ID, root, undefined, { signal });
    } catch (e) {
      // No such campaign on this server: the chart says so; the rest of the wall works.
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  }

  #countdown(seconds: number, then: () => void): void {
    this.retryIn = seconds;
    const tick = () => {
      if (this.#stopped) return;
      if (--this.retryIn <= 0) then();
      else this.#later(tick, 1000);
    };
    this.#later(tick, 1000);
  }

  #later(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #onChange(change: LiveChange): void {
    // Users and campaign administration are not situation news for the wall's feed; a campaign opened or closed
    // may change the progress chart, which the debounced refresh refetches.
    if (change.layer === 'campaigns') return this.scheduleRefresh();
    if (change.layer === 'users') return;
    // Alerts go to the banner and the header's count, not to the feed.
    if (change.layer === 'alerts') {
      this.alerts.apply(change);
      return;
    }
    if (change.layer === 'import' || change.layer === 'regions') {
      void this.#reloadLayers();
    }
    let point: MapPoint | undefined;
    let previous: MapPoint | undefined;
    if (isMapLayer(change.layer)) {
      const store = this.layers[change.layer];
      const outcome = store.apply(change);
      if (outcome.kind === 'updated') ({ point, previous } = outcome);
      else if (outcome.kind === 'removed') previous = outcome.previous;
      else if (outcome.kind === 'missing') void this.#fetchMissing(store, change);
    }
    const entry = this.#entry(change, point ?? previous, change.feature as PointFeature | undefined);
    this.feed = [entry, ...this.feed.slice(0, FEED_MAX - 1)];
    this.#requestNames(entry);
    if (point) this.#flash(change.seq, point.position, entry.alert);
    if (entry.alert && point) this.focus = { key: change.seq, position: point.position, entry };
    this.scheduleRefresh();
  }

  async #fetchMissing(store: PointLayerState, change: LiveChange): Promise<void> {
    try {
      const outcome = store.upsert(await fetchPoint(store.layer, change.id));
      if (outcome.kind === 'updated') this.#flash(change.seq, outcome.point.position, false);
    } catch {
      /* deleted again meanwhile, or the server is away: the next full load has it */
    }
  }

  async #reloadLayers(): Promise<void> {
    const root = this.region?.code;
    if (!root) return;
    try {
      const load = this.#tileLoad ?? ((l: MapPointLayer) => fetchPoints(l, root, undefined, { signal: this.#abort.signal }));
      const layers = await Promise.all(MAP_POINT_LAYERS.map(load));
      // Tiled layers: new tiles (a new generation), and their stores start over with them.
      for (const l of this.tiles.layers) this.layers[l].useTiles(true);
      this.tiles = { ...this.tiles, generation: this.tiles.generation + 1 };
      MAP_POINT_LAYERS.forEach((l, i) => this.layers[l].load(layers[i]));
    } catch {
      /* the next import event or reload retries */
    }
  }

  async #checkHealth(): Promise<void> {
    if (this.status !== 'ready') return;
    try {
      await getJson('/api/health', { signal: this.#abort.signal, timeoutMs: HEALTH_POLL_MS });
      if (this.dataStale && !this.#stopped) {
        this.dataStale = false;
        // Changes that arrived meanwhile are delivered by the link; the server-computed figures are refetched.
        this.scheduleRefresh(0);
      }
    } catch (e) {
      // 503: the database is away. No answer at all is the live link's business (it shows the link down).
      if (e instanceof ApiError && e.status === 503 && !this.#stopped) this.dataStale = true;
    }
  }

  #onRecovered(): void {
    void this.#checkServerReset();
    this.scheduleRefresh(0);
  }

  /**
   * A server whose event log is now shorter than what this wall has seen was reset (a new database): the link
   * would wait forever for seqs it already passed. Start over with a fresh page; nobody is there to press F5.
   */
  async #checkServerReset(): Promise<void> {
    const root = this.region?.code;
    const seen = this.live.lastSeq;
    if (!root || seen === null) return;
    try {
      const { last } = await fetchEvents(0, root, 1, { signal: this.#abort.signal });
      if (last < seen && !this.#stopped) window.location.reload();
    } catch {
      /* down again: the next recovery checks again */
    }
  }

  /** Refetch stats and campaign progress once the changes settle (or right away with 0). */
  scheduleRefresh(debounceMs = REFRESH_DEBOUNCE_MS): void {
    if (this.#stopped || this.status !== 'ready') return;
    const now = Date.now();
    if (!this.#refreshTimer) this.#refreshFirstAsk = now;
    else clearTimeout(this.#refreshTimer);
    const wait = Math.max(0, Math.min(debounceMs, this.#refreshFirstAsk + REFRESH_MAX_WAIT_MS - now));
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.#refresh();
    }, wait);
  }

  async #refresh(): Promise<void> {
    const root = this.region?.code;
    if (!root) return;
    const { signal } = this.#abort;
    // Each figure independently: a failed campaign request must not keep the stats stale, nor vice versa.
    const [stats, campaign] = await Promise.allSettled([fetchStats(root, { signal }), this.#fetchCampaign(root, signal)]);
    if (this.#stopped) return;
    if (stats.status === 'fulfilled') this.stats = stats.value;
    if (campaign.status === 'fulfilled') this.campaign = campaign.value;
    this.now = Date.now();
  }

  #flash(key: number, position: LngLat, alert: boolean): void {
    const flash: Flash = { key, position, color: alert ? ALERT_FLASH_COLOR : FLASH_COLOR, startedAt: performance.now() };
    this.flashes = [...this.flashes.slice(-(FLASH_MAX - 1)), flash];
    this.#later(() => {
      const cutoff = performance.now() - FLASH_MS;
      this.flashes = this.flashes.filter((f) => f.startedAt > cutoff);
    }, FLASH_MS + 20);
  }

  #entry(e: ChangeEvent, held?: MapPoint, feature?: PointFeature): FeedEntry {
    const props = feature?.properties ?? held?.props;
    const from = str(e.before?.status);
    const to = str(e.after?.status);
    const severity = str(props?.severity);
    return {
      seq: e.seq,
      at: new Date(e.at),
      actor: e.actor,
      layer: e.layer,
      id: e.id,
      name: str(props?.name) ?? str(e.after?.name) ?? e.id,
      op: e.op,
      from,
      to,
      regionPath: e.regionPath,
      severity,
      alert: e.layer === 'disputes' && e.op !== 'delete' && (severity === 'high' || (to === 'escalated' && from !== 'escalated')),
    };
  }

  /** The community and grid names of an entry, and the grid of a coordinator actor, fetched once each. */
  #requestNames(entry: FeedEntry): void {
    const grid = entry.regionPath[3] ?? entry.regionPath[entry.regionPath.length - 1];
    this.names.request(grid);
    const actorGrid = /^grid-(\d{14})$/.exec(entry.actor)?.[1];
    if (actorGrid && actorGrid !== grid) this.names.request(actorGrid);
  }
}
