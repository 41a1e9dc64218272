/**
 * Campaigns of /admin: the list (drafts included for admins), the create form's fields and its live target
 * count. The preview is debounced and a newer one aborts the one in flight, so the count shown is always the
 * count of the form as it stands.
 */
import type { CampaignCreate } from '$contract/admin';
import type { Campaign } from '$contract/events';
import { TRANSITIONS, type LayerName } from '$contract/layers';
import { DISTRICT_CODE } from '$contract/regions';
import { createCampaign, moveCampaign, previewCampaign } from '../../../lib/api/admin';
import { ApiError } from '../../../lib/api/http';
import { fetchCampaigns } from '../../../lib/api/points';
import { adminErrorText } from '../errors';

const PREVIEW_DELAY_MS = 300;

/** What a new campaign of the layer is likely to count as done: its final statuses. */
function defaultDone(layer: LayerName): string[] {
  const finals = Object.entries(TRANSITIONS[layer]).filter(([, next]) => next.length === 0).map(([s]) => s);
  return layer === 'compounds' ? ['done', 'verified'] : finals.length ? finals : [Object.keys(TRANSITIONS[layer]).at(-1)!];
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export class CampaignsState {
  campaigns = $state.raw<Campaign[]>([]);
  loading = $state(false);
  error = $state<string | null>(null);

  // The create form.
  name = $state('');
  layer = $state<LayerName>('compounds');
  startsAt = $state(isoDay(new Date()));
  endsAt = $state(isoDay(new Date(Date.now() + 90 * 86_400_000)));
  region = $state(DISTRICT_CODE);
  statuses = $state<string[]>([]);
  whereKey = $state('');
  whereValue = $state('');
  doneStatuses = $state<string[]>(defaultDone('compounds'));

  /** Targets the form would choose now; null while unknown. */
  preview = $state<number | null>(null);
  previewing = $state(false);
  previewError = $state<string | null>(null);
  #previewAbort: AbortController | undefined;
  #previewTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(region?: string) {
    if (region) this.region = region;
  }

  setLayer(layer: LayerName): void {
    this.layer = layer;
    this.statuses = [];
    this.whereKey = '';
    this.whereValue = '';
    this.doneStatuses = defaultDone(layer);
  }

  /** The form as the API takes it. */
  get body(): CampaignCreate {
    const where = this.whereKey && this.whereValue.trim() ? { [this.whereKey]: this.whereValue.trim() } : undefined;
    return {
      name: this.name.trim() || '—',
      layer: this.layer,
      startsAt: new Date(`${this.startsAt}T00:00:00`).toISOString(),
      endsAt: new Date(`${this.endsAt}T00:00:00`).toISOString(),
      doneStatuses: this.doneStatuses,
      targets: { region: this.region.trim(), ...(this.statuses.length ? { statuses: this.statuses } : {}), ...(where ? { where } : {}) },
    };
  }

  async load(): Promise<void> {
    this.loading = true;
    try {
      this.campaigns = await fetchCampaigns();
      this.error = null;
    } catch (err) {
      this.error = adminErrorText(err);
    } finally {
      this.loading = false;
    }
  }

  /** Called whenever a field changes (an $effect reads `body`). */
  schedulePreview(body: CampaignCreate): void {
    clearTimeout(this.#previewTimer);
    this.#previewAbort?.abort();
    this.previewing = true;
    this.#previewTimer = setTimeout(() => void this.#preview(body), PREVIEW_DELAY_MS);
  }

  async #preview(body: CampaignCreate): Promise<void> {
    const abort = (this.#previewAbort = new AbortController());
    try {
      this.preview = await previewCampaign(body, { signal: abort.signal });
      this.previewError = null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'aborted') return;
      this.preview = null;
      this.previewError = adminErrorText(err);
    } finally {
      if (this.#previewAbort === abort) this.previewing = false;
    }
  }

  async create(): Promise<Campaign> {
    const campaign = await createCampaign(this.body);
    this.name = '';
    await this.load();
    return campaign;
  }

  async move(id: string, move: 'open' | 'close'): Promise<void> {
    const updated = await moveCampaign(id, move);
    this.campaigns = this.campaigns.map((c) => (c.id === id ? updated : c));
  }

  destroy(): void {
    clearTimeout(this.#previewTimer);
    this.#previewAbort?.abort();
  }
}
