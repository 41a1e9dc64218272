/**
 * Service-centre coverage (服务覆盖) of the region on screen: the KPI of the side panel and, while the map toggle
 * is on, the uncovered compounds and the walking-distance discs of the region's open community centres. One
 * shared instance: the toggle lives in the layer panel, the figures in the region panel, the drawing on the map.
 * Reloaded with the region's figures (after every live change), never cached: a closed centre shows at once.
 */
import type { FeatureCollection, Point } from 'geojson';
import type { RegionCoverage, UncoveredCompoundProps } from '$contract/coverage';
import { getJson } from '../../../lib/api/http';

type Centres = FeatureCollection<Point, { level: string; status: string; name: string }>;

export class CoverageState {
  /** The map toggle: highlight uncovered compounds and draw the walking-distance discs. */
  showOnMap = $state(false);
  figures = $state.raw<RegionCoverage | null>(null);
  uncovered = $state.raw<FeatureCollection<Point, UncoveredCompoundProps> | null>(null);
  centres = $state.raw<[number, number][]>([]);
  failed = $state(false);
  private controller: AbortController | null = null;
  private code: string | null = null;

  /** Loads the figures of `code` (and the map data when the toggle is on); a newer call cancels an older one. */
  async load(code: string): Promise<void> {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const signal = controller.signal;
    if (code !== this.code) {
      this.code = code;
      this.figures = null;
      this.uncovered = null;
      this.centres = [];
    }
    try {
      const q = `region=${encodeURIComponent(code)}`;
      const [figures, uncovered, centres] = await Promise.all([
        getJson<RegionCoverage>(`/api/coverage?${q}`, { signal }),
        this.showOnMap ? getJson<FeatureCollection<Point, UncoveredCompoundProps>>(`/api/coverage/uncovered.geojson?${q}`, { signal }) : null,
        this.showOnMap ? getJson<Centres>(`/api/layers/service-centres?${q}&status=open`, { signal }) : null,
      ]);
      if (signal.aborted) return;
      this.figures = figures;
      this.uncovered = uncovered;
      this.centres = (centres?.features ?? []).filter((f) => f.properties.level === 'community').map((f) => f.geometry.coordinates as [number, number]);
      this.failed = false;
    } catch {
      if (!signal.aborted) this.failed = true;
    }
  }

  toggle(on: boolean): void {
    this.showOnMap = on;
    if (on && this.code) void this.load(this.code);
  }
}

export const coverage = new CoverageState();
