import { STATUS_LABELS, VALUE_LABELS } from '../export/export.labels.js';
import type { BriefingData } from './briefing.service.js';

/*
 * The briefing page: self-contained HTML (inline CSS, an inline SVG map), zh-CN, laid out for two A4 pages.
 * The map is drawn here as SVG rather than by MapLibre in the page: vector shapes print sharp at any zoom of the
 * PDF, need no WebGL (software rendering in a headless server is slow) and no wait for tiles — the same outlines
 * and points the dashboard draws, from the same rows.
 */

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const TZ = 'Asia/Shanghai';
const num = (n: number) => new Intl.NumberFormat('zh-CN').format(n);
const pct = (r: number | null) => (r === null ? '—' : `${(Math.floor(r * 1000) / 10).toFixed(1)}%`);
const longDate = (d: Date) => new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: 'long', day: 'numeric' }).format(d);
const shortDate = (iso: string) => new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
const dateTime = (d: Date) =>
  new Intl.DateTimeFormat('zh-CN', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
const LEVEL: Record<string, string> = { district: '区', street: '街道', community: '社区', grid: '网格', building_group: '楼组' };
const DAY_MS = 86_400_000;

/** Rows of the disputes table; the rest are counted under it. */
const DISPUTE_ROWS = 12;
/** Campaigns in the progress table. */
const CAMPAIGN_ROWS = 6;

// Map frame in CSS px (96 dpi): the printable width of A4 with 12 mm margins.
const MAP_W = 700;
const MAP_MAX_H = 470;
const PAD = 8;
/** Metres per degree of latitude on the sphere (the coverage distances are great-circle metres too). */
const M_PER_DEG = 111_195;

/** Coverage classes of the map (ratio of covered compounds), worst last. */
const COVER_CLASSES = [
  { from: 0.98, fill: '#dcefe0', label: '≥98%' },
  { from: 0.9, fill: '#f3efc8', label: '90–98%' },
  { from: 0.75, fill: '#f6d7ad', label: '75–90%' },
  { from: 0, fill: '#f1b7a6', label: '<75%' },
];
const coverFill = (r: number | null) => (r === null ? '#eef1f5' : COVER_CLASSES.find((c) => r >= c.from)!.fill);

function mapSvg(d: BriefingData): string {
  const own = d.outlines.find((o) => o.own);
  if (!own) return '';
  const rings = (g: GeoJSON.Polygon | GeoJSON.MultiPolygon) => (g.type === 'Polygon' ? g.coordinates : g.coordinates.flat());
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const ring of rings(own.geometry)) {
    for (const [x, y] of ring) [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
  }
  // Equirectangular at the region's latitude: true to shape at a district's size (≤ 20 km).
  const kx = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const s = Math.min((MAP_W - 2 * PAD) / Math.max((maxX - minX) * kx, 1e-9), (MAP_MAX_H - 2 * PAD) / Math.max(maxY - minY, 1e-9));
  const w = (maxX - minX) * kx * s + 2 * PAD;
  const h = (maxY - minY) * s + 2 * PAD;
  const ox = (MAP_W - w) / 2;
  const px = (lon: number) => +(ox + PAD + (lon - minX) * kx * s).toFixed(1);
  const py = (lat: number) => +(PAD + (maxY - lat) * s).toFixed(1);
  const path = (g: GeoJSON.Polygon | GeoJSON.MultiPolygon) =>
    rings(g)
      .map((ring) => `M${ring.map(([x, y]) => `${px(x)} ${py(y)}`).join('L')}Z`)
      .join('');
  const ratio = new Map(d.coverage.children.map((c) => [c.code, c.ratio]));
  const children = d.outlines.filter((o) => !o.own);
  const r = (d.coverage.distanceM / M_PER_DEG) * s;
  const labelSize = children.length > 12 ? 10 : 12;

  const parts: string[] = [];
  parts.push(`<defs><clipPath id="region"><path d="${path(own.geometry)}" clip-rule="evenodd"/></clipPath></defs>`);
  parts.push(`<path d="${path(own.geometry)}" fill="${coverFill(d.coverage.ratio)}" fill-rule="evenodd"/>`);
  for (const c of children) parts.push(`<path d="${path(c.geometry)}" fill="${coverFill(ratio.get(c.code) ?? null)}" stroke="#8a97aa" stroke-width="0.6" fill-rule="evenodd"/>`);
  // Walking-distance discs around the open community centres: the white gaps between them are the uncovered ground.
  parts.push(`<g clip-path="url(#region)" fill="#2f6fb0" fill-opacity="0.07" stroke="#2f6fb0" stroke-opacity="0.3" stroke-width="0.5">`);
  for (const c of d.centres) parts.push(`<circle cx="${px(c.lon)}" cy="${py(c.lat)}" r="${r.toFixed(1)}"/>`);
  parts.push('</g>');
  parts.push(`<path d="${path(own.geometry)}" fill="none" stroke="#1d2b40" stroke-width="1.6" fill-rule="evenodd"/>`);
  for (const c of d.centres) parts.push(`<rect x="${px(c.lon) - 2.5}" y="${py(c.lat) - 2.5}" width="5" height="5" fill="#2f6fb0"/>`);
  for (const f of d.uncovered.features) {
    const [lon, lat] = f.geometry.coordinates;
    parts.push(`<circle cx="${px(lon)}" cy="${py(lat)}" r="3" fill="#fff" stroke="#d9730d" stroke-width="1.6"/>`);
  }
  for (const x of [...d.disputes].reverse()) {
    parts.push(`<circle cx="${px(x.lon)}" cy="${py(x.lat)}" r="${x.overdue ? 3.6 : 2.6}" fill="${x.overdue ? '#c8102e' : '#e8a317'}" stroke="#fff" stroke-width="0.6"/>`);
  }
  for (const c of children) {
    parts.push(
      `<text x="${px(c.lx)}" y="${py(c.ly)}" font-size="${labelSize}" text-anchor="middle" dominant-baseline="middle" fill="#1d2b40" stroke="#fff" stroke-width="2.5" paint-order="stroke">${esc(c.name)}</text>`,
    );
  }
  return `<svg class="map" viewBox="0 0 ${MAP_W} ${h.toFixed(1)}" width="${MAP_W}" height="${h.toFixed(1)}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="区域地图">${parts.join('')}</svg>`;
}

function legend(d: BriefingData): string {
  const swatches = COVER_CLASSES.map((c) => `<span class="key"><i style="background:${c.fill}"></i>${c.label}</span>`).join('');
  return `<div class="legend">
    <span class="key-title">楼院覆盖率</span>${swatches}
    <span class="key"><i class="sq"></i>社区党群服务中心（${num(d.coverage.distanceM)} 米步行圈）</span>
    <span class="key"><i class="ring"></i>未覆盖楼院</span>
    <span class="key"><i class="dot" style="background:#e8a317"></i>未化解纠纷</span>
    <span class="key"><i class="dot" style="background:#c8102e"></i>超期纠纷</span>
  </div>`;
}

const tile = (label: string, value: string, note = '', alert = false) =>
  `<div class="tile${alert ? ' alert' : ''}"><div class="label">${esc(label)}</div><div class="value">${value}</div>${note ? `<div class="note">${note}</div>` : ''}</div>`;

function kpis(d: BriefingData): string {
  const { stats: s, coverage: c } = d;
  const centres = s.serviceCentres.street + s.serviceCentres.community500 + s.serviceCentres.community1000;
  return `<div class="tiles">
    ${tile('楼院', num(s.compounds.total), `无主管楼院 ${num(s.compounds.unmanaged)}`)}
    ${tile('党群服务中心', num(centres), `街道 ${num(s.serviceCentres.street)} · 社区 ${num(s.serviceCentres.community500 + s.serviceCentres.community1000)}`)}
    ${tile('临时党支部', num(s.tempBranches.project + s.tempBranches.compound), `项目 ${num(s.tempBranches.project)} · 楼院 ${num(s.tempBranches.compound)}`)}
    ${tile('在建项目', num(s.projects.byStatus.in_progress ?? 0), `项目总数 ${num(s.projects.total)}`)}
    ${tile('未化解矛盾纠纷', num(s.disputes.open), `已化解 ${num(s.disputes.resolved)}`)}
    ${tile('超期矛盾纠纷', num(s.disputes.overdue), '超过办结时限', s.disputes.overdue > 0)}
    ${tile('服务覆盖率', pct(c.ratio), `${num(c.distanceM)} 米内有社区党群服务中心`)}
    ${tile('未覆盖楼院', num(c.uncovered), `共 ${num(c.compounds)} 个楼院`, c.uncovered > 0)}
  </div>`;
}

function ledger(d: BriefingData): string {
  const l = d.ledger;
  return `<section class="ledger"><h2>区域化党建<span class="sub">${l.period.from} 至 ${l.period.to}</span></h2><div class="tiles four">
    ${tile('党建联席会议', num(l.jointMeetings), '次')}
    ${tile('会商解决民生问题', num(l.problemsSolved), '项')}
    ${tile('签订共建协议', num(l.agreements), '份')}
    ${tile('联合开展集中服务', num(l.jointServices), '次')}
  </div><p class="small">成员单位 ${num(l.memberUnits)} 家 · 无偿服务项目 ${num(l.serviceItems.total)} 项 · 提出民生问题 ${num(l.problemsRaised)} 项</p></section>`;
}

function campaigns(d: BriefingData): string {
  if (!d.campaigns.length) return `<section><h2>挂图作战 · 集中攻坚</h2><p class="empty">本区域当前没有进行中的攻坚行动。</p></section>`;
  const rows = d.campaigns.slice(0, CAMPAIGN_ROWS).map((p) => {
    const share = p.targets ? p.done / p.targets : 0;
    return `<tr><td>${esc(p.campaign.name)}</td><td class="nowrap">${shortDate(p.campaign.startsAt)} – ${shortDate(p.campaign.endsAt)}</td>
      <td class="num">${num(p.done)} / ${num(p.targets)}</td>
      <td class="bar-cell"><div class="bar"><div style="width:${(share * 100).toFixed(1)}%"></div></div></td><td class="num">${p.targets ? pct(share) : '—'}</td></tr>`;
  });
  const more = d.campaigns.length > CAMPAIGN_ROWS ? `<p class="small">另有 ${d.campaigns.length - CAMPAIGN_ROWS} 项行动未列出。</p>` : '';
  return `<section><h2>挂图作战 · 集中攻坚</h2><table><thead><tr><th>行动</th><th>时间</th><th class="num">完成 / 目标</th><th>进度</th><th class="num">完成率</th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>${more}</section>`;
}

function disputes(d: BriefingData): string {
  const open = d.stats.disputes.open;
  const head = `<h2>未化解矛盾纠纷 <span class="sub">共 ${num(open)} 件，其中超期 ${num(d.stats.disputes.overdue)} 件</span></h2>`;
  if (!d.disputes.length) return `<section>${head}<p class="empty">没有未化解的矛盾纠纷。</p></section>`;
  const now = d.generatedAt.getTime();
  const rows = d.disputes.slice(0, DISPUTE_ROWS).map((x) => {
    const days = Math.ceil((now - Date.parse(x.deadline)) / DAY_MS);
    const flag = x.overdue ? `<span class="overdue">超期 ${Math.max(days, 1)} 天</span>` : `<span class="due">剩 ${Math.max(-days, 0)} 天</span>`;
    return `<tr class="${x.overdue ? 'late' : ''}"><td>${esc(x.name)}</td><td>${esc(x.region_name)}</td><td class="nowrap">${esc(VALUE_LABELS.category[x.category] ?? x.category)}</td>
      <td class="nowrap">${esc(VALUE_LABELS.mediationLevel[x.mediation_level] ?? x.mediation_level)}</td><td class="nowrap">${esc(STATUS_LABELS.disputes[x.status] ?? x.status)}</td>
      <td class="nowrap num">${shortDate(x.deadline)}</td><td class="nowrap">${flag}</td></tr>`;
  });
  const rest = open - Math.min(open, DISPUTE_ROWS);
  const more = rest > 0 ? `<p class="small">另有 ${num(rest)} 件未列出（按办结时限排序，超期在前）。</p>` : '';
  return `<section>${head}<table><thead><tr><th>纠纷</th><th>所属社区</th><th>类别</th><th>调解层级</th><th>状态</th><th class="num">办结时限</th><th></th></tr></thead>
    <tbody>${rows.join('')}</tbody></table>${more}</section>`;
}

function coverageTable(d: BriefingData): string {
  const c = d.coverage;
  const head = `<h2>党群服务中心覆盖 <span class="sub">步行 ${num(c.distanceM)} 米内；区域内运行中的社区党群服务中心 ${num(c.centres)} 个</span></h2>`;
  if (!c.children.length) return `<section>${head}<p>楼院 ${num(c.compounds)} 个，已覆盖 ${num(c.covered)} 个，未覆盖 ${num(c.uncovered)} 个，覆盖率 ${pct(c.ratio)}。</p></section>`;
  const sorted = [...c.children].sort((a, b) => (a.ratio ?? 2) - (b.ratio ?? 2) || a.code.localeCompare(b.code));
  const half = Math.ceil(sorted.length / 2);
  const table = (rows: typeof sorted) =>
    `<table class="compact"><thead><tr><th>${esc(LEVEL[rows[0]?.level] ?? '区域')}</th><th class="num">楼院</th><th class="num">未覆盖</th><th class="num">覆盖率</th></tr></thead><tbody>${rows
      .map((x) => `<tr><td>${esc(x.name)}</td><td class="num">${num(x.compounds)}</td><td class="num${x.uncovered ? ' warn' : ''}">${num(x.uncovered)}</td><td class="num">${pct(x.ratio)}</td></tr>`)
      .join('')}</tbody></table>`;
  return `<section>${head}<div class="two">${table(sorted.slice(0, half))}${sorted.length > 1 ? table(sorted.slice(half)) : ''}</div></section>`;
}

const CSS = `
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
html, body { margin: 0; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif; color: #1d2b40; font-size: 10.5pt; line-height: 1.45; }
header { display: flex; justify-content: space-between; align-items: flex-end; border-bottom: 2.5px solid #c8102e; padding-bottom: 6px; margin-bottom: 10px; }
header h1 { margin: 0; font-size: 19pt; letter-spacing: 0.04em; }
header .kicker { color: #c8102e; font-size: 10pt; letter-spacing: 0.1em; }
header .meta { text-align: right; font-size: 9pt; color: #5b6b80; }
header > .meta { white-space: nowrap; padding-left: 12px; }
h2 { font-size: 12pt; margin: 10px 0 6px; padding-left: 8px; border-left: 4px solid #c8102e; }
h2 .sub { font-size: 9pt; font-weight: normal; color: #5b6b80; margin-left: 6px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 6px; }
.tile { border: 1px solid #d5dbe3; border-radius: 4px; padding: 5px 8px; background: #f7f9fb; }
.tile .label { font-size: 8.5pt; color: #5b6b80; }
.tile .value { font-size: 17pt; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.tile .note { font-size: 8pt; color: #7a8799; }
.tile.alert { border-color: #e7a3a9; background: #fdf1f2; }
.tile.alert .value { color: #c8102e; }
.map-wrap { margin-top: 8px; border: 1px solid #d5dbe3; border-radius: 4px; padding: 4px; text-align: center; background: #fbfcfd; }
.map { display: block; margin: 0 auto; max-width: 100%; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 8pt; color: #3d4b5f; margin-top: 4px; justify-content: center; }
.legend .key-title { font-weight: 700; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; vertical-align: -1px; border: 1px solid #b8c1cd; }
.legend i.sq { background: #2f6fb0; border-color: #2f6fb0; width: 7px; height: 7px; }
.legend i.ring { border: 2px solid #d9730d; border-radius: 50%; background: #fff; }
.legend i.dot { border-radius: 50%; border-color: #fff; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
th { text-align: left; font-weight: 600; color: #5b6b80; border-bottom: 1.5px solid #1d2b40; padding: 3px 4px; }
td { border-bottom: 1px solid #e3e7ed; padding: 3px 4px; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
tr.late td { background: #fdf1f2; }
.overdue { color: #fff; background: #c8102e; border-radius: 3px; padding: 0 4px; font-size: 8pt; white-space: nowrap; }
.due { color: #5b6b80; font-size: 8pt; white-space: nowrap; }
.warn { color: #c8102e; font-weight: 600; }
.bar-cell { width: 28%; vertical-align: middle; }
.bar { height: 8px; background: #e3e7ed; border-radius: 4px; overflow: hidden; }
.bar div { height: 100%; background: #c8102e; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; align-items: start; }
table.compact td, table.compact th { padding: 2px 4px; }
.small, .empty { font-size: 8.5pt; color: #5b6b80; margin: 4px 0 0; }
.page2 { break-before: page; }
section { break-inside: avoid; }
footer { margin-top: 10px; font-size: 8pt; color: #7a8799; border-top: 1px solid #d5dbe3; padding-top: 4px; }
`;

/** The briefing's HTML: page 1 the region at a glance (figures, map, ledger), page 2 the work lists. */
export function briefingHtml(d: BriefingData): string {
  const r = d.region;
  const place = r.ancestors.map((a) => a.name).concat(r.name).join(' · ');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(r.name)} 基层治理简报</title><style>${CSS}</style></head><body>
<header>
  <div><div class="kicker">党建引领基层治理 · 联席会议简报</div><h1>${esc(r.name)}基层治理简报</h1><div class="meta" style="text-align:left">${esc(place)}（${esc(LEVEL[r.level] ?? r.level)}，代码 ${esc(r.code)}）</div></div>
  <div class="meta">${longDate(d.generatedAt)}<br>数据截至 ${dateTime(d.generatedAt)}${r.partyOrg ? `<br>${esc(r.partyOrg.name)} · 书记 ${esc(r.partyOrg.secretary)}` : ''}</div>
</header>
<section>${kpis(d)}</section>
<div class="map-wrap">${mapSvg(d)}${legend(d)}</div>
${ledger(d)}
<div class="page2">
${campaigns(d)}
${disputes(d)}
${coverageTable(d)}
<footer>本简报由金水区基层治理态势图系统自动生成，数据截至 ${dateTime(d.generatedAt)}（北京时间）。区域化党建数据为各区域报送汇总；覆盖按步行直线距离 ${num(d.coverage.distanceM)} 米计算，仅计运行中的社区党群服务中心。</footer>
</div>
</body></html>`;
}
