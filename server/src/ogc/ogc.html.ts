import { pageOffsets, type CollectionDoc, type CollectionRef, type ItemsResult, type Link, type Linker } from './ogc.service.js';

/** Every piece of data reaches the page through this: names and notes are user text, never markup. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const a = (href: string, text: unknown) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;

const STYLE = `body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:1.5rem auto;max-width:70rem;padding:0 1rem;color:#1f2328}
nav{font-size:.9rem;margin-bottom:1rem}table{border-collapse:collapse;width:100%}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;
text-align:left;vertical-align:top}.scroll{overflow-x:auto}.scroll td,.scroll th{white-space:nowrap}th{background:#f6f8fa}code{font-size:.85rem}.pager a{margin-right:1rem}`;

function page(title: string, crumbs: [string, string][], body: string, links: Link[]): string {
  const nav = crumbs.map(([href, text]) => a(href, text)).join(' › ');
  const formats = links
    .filter((l) => l.rel === 'self' || l.rel === 'alternate')
    .map((l) => a(l.href, l.type ?? l.rel))
    .join(' · ');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><nav>${nav}</nav><h1>${escapeHtml(title)}</h1>
${body}
<footer><p>其他格式：${formats}</p></footer></body></html>`;
}

const home = (links: Linker): [string, string] => [links.to('/ogc', { f: 'html' }), '首页'];
const collectionsCrumb = (links: Linker): [string, string] => [links.to('/ogc/collections', { f: 'html' }), '数据集合'];
const collectionCrumb = (links: Linker, c: CollectionRef): [string, string] => [links.to(`/ogc/collections/${c.id}`, { f: 'html' }), c.title];

const linkList = (links: Link[]) =>
  `<ul>${links.map((l) => `<li>${a(l.href, l.title ?? l.href)} <code>${escapeHtml(l.rel)}</code> <code>${escapeHtml(l.type ?? '')}</code></li>`).join('')}</ul>`;

export function landingHtml(doc: { title: string; description: string; links: Link[] }, links: Linker): string {
  return page(doc.title, [home(links)], `<p>${escapeHtml(doc.description)}</p>${linkList(doc.links)}`, doc.links);
}

export function conformanceHtml(doc: { conformsTo: string[] }, links: Linker): string {
  const self = [{ href: links.self({ f: undefined }), rel: 'alternate', type: 'application/json' }];
  return page('符合性声明 (Conformance)', [home(links)], `<ul>${doc.conformsTo.map((c) => `<li>${a(c, c)}</li>`).join('')}</ul>`, self);
}

function extentText(c: CollectionDoc): string {
  const bbox = c.extent.spatial?.bbox[0];
  const [start, end] = c.extent.temporal.interval[0];
  return `范围 bbox: ${bbox ? escapeHtml(bbox.map((x) => x.toFixed(6)).join(', ')) : '—'}；时间: ${escapeHtml(start ?? '..')} / ${escapeHtml(end ?? '..')}`;
}

export function collectionsHtml(doc: { links: Link[]; collections: CollectionDoc[] }, links: Linker): string {
  const rows = doc.collections.map((c) => {
    const items = c.links.find((l) => l.rel === 'items' && l.type === 'text/html')!;
    return `<tr><td>${a(links.to(`/ogc/collections/${c.id}`, { f: 'html' }), c.title)}<br><code>${escapeHtml(c.id)}</code></td>
<td>${escapeHtml(c.description)}<br><small>${extentText(c)}</small></td><td>${a(items.href, '浏览要素')}</td></tr>`;
  });
  return page('数据集合 (Collections)', [home(links), collectionsCrumb(links)], `<table><tr><th>集合</th><th>说明</th><th></th></tr>${rows.join('\n')}</table>`, doc.links);
}

export function collectionHtml(c: CollectionDoc, links: Linker): string {
  const body = `<p>${escapeHtml(c.description)}</p><p>${extentText(c)}</p>${linkList(c.links)}`;
  return page(c.title, [home(links), collectionsCrumb(links), collectionCrumb(links, c)], body, c.links);
}

/** Property values as text: arrays and objects as compact JSON (still escaped). */
const cell = (v: unknown) => escapeHtml(v !== null && typeof v === 'object' ? JSON.stringify(v) : v);

export function itemsHtml(result: ItemsResult, features: GeoJSON.Feature[], links: Linker): string {
  const keys = [...new Set(features.flatMap((f) => Object.keys(f.properties ?? {})))].filter((k) => k !== 'id' && k !== 'layer');
  const head = `<tr><th>id</th>${keys.map((k) => `<th>${escapeHtml(k)}</th>`).join('')}</tr>`;
  const rows = features.map(
    (f) =>
      `<tr><td>${a(links.to(`/ogc/collections/${result.collection.id}/items/${encodeURIComponent(String(f.id))}`, { f: 'html' }), f.id)}</td>${keys
        .map((k) => `<td>${cell(f.properties?.[k])}</td>`)
        .join('')}</tr>`,
  );
  const { next, prev } = pageOffsets(result);
  const to = (offset: number | undefined, text: string) => (offset === undefined ? '' : a(links.self({ f: 'html', offset: String(offset) }), text));
  const pager = `<p class="pager">${to(prev, '‹ 上一页')}${to(next, '下一页 ›')}</p>`;
  const summary = `<p>共 ${result.matched} 条，本页 ${result.returned} 条（从第 ${result.offset + 1} 条起，每页 ${result.limit} 条）。</p>`;
  return page(
    `${result.collection.title}要素`,
    [home(links), collectionsCrumb(links), collectionCrumb(links, result.collection)],
    `${summary}${pager}<div class="scroll"><table>${head}${rows.join('\n')}</table></div>${pager}`,
    result.links,
  );
}

export function itemHtml(feature: GeoJSON.Feature & { links: Link[] }, collection: CollectionRef, links: Linker): string {
  const rows = Object.entries(feature.properties ?? {}).map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${cell(v)}</td></tr>`);
  const geometry = `<tr><th>geometry</th><td><code>${escapeHtml(JSON.stringify(feature.geometry).slice(0, 2000))}</code></td></tr>`;
  const title = String(feature.properties?.name ?? feature.id);
  return page(
    title,
    [home(links), collectionsCrumb(links), collectionCrumb(links, collection), [links.to(`/ogc/collections/${collection.id}/items`, { f: 'html' }), '要素']],
    `<table>${rows.join('\n')}${geometry}</table>`,
    feature.links,
  );
}
