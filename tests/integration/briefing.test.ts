// The printed briefing (issue 11): the real server over real PostGIS (both backends) prints with the real
// Debian Chromium; the PDF is checked with poppler (pdfinfo, pdftotext) and rendered to PNG with pdftoppm into
// /tmp/shots-briefing/ for a person to look at. Nothing mocked.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegionStats } from '../../server/src/contract/regions.js';
import type { RegionCoverage } from '../../server/src/contract/coverage.js';
import { BACKENDS } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client, login } from '../helpers/api.js';

const SHOTS = '/tmp/shots-briefing';
const num = (n: number) => new Intl.NumberFormat('zh-CN').format(n);

function pdfFacts(pdf: Buffer, name: string) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  // -raw: the content stream's order, which is the page's reading order (a tile's label, then its value).
  const text = execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
  for (const old of fs.readdirSync(SHOTS).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'))) fs.rmSync(path.join(SHOTS, old));
  execFileSync('pdftoppm', ['-png', '-r', '110', file, path.join(SHOTS, name)]);
  const pages = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
  const [w, h] = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info)!.slice(1).map(Number);
  const pngs = fs.readdirSync(SHOTS).filter((f) => f.startsWith(`${name}-`) && f.endsWith('.png'));
  return { pages, w, h, text, pngs };
}

async function getPdf(url: string, token: string | undefined, code: string) {
  const res = await fetch(`${url}/api/regions/${code}/briefing.pdf`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type') ?? '', disposition: res.headers.get('content-disposition') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

describe.each(BACKENDS)('region briefing PDF on %s', (backend) => {
  let server: TestServer;
  let token: string;
  let leader: ReturnType<typeof client>;
  beforeAll(async () => {
    server = await startTestServer({ backend });
    token = await login(server.url, 'leader');
    leader = client(server.url, token);
  });
  afterAll(() => server?.close());

  it("prints a street's briefing: A4, 1–2 pages, its Chinese name, KPIs, coverage and the ledger's figures", async () => {
    const street = '410105001';
    const res = await getPdf(server.url, token, street);
    expect(res.status, res.body.toString().slice(0, 200)).toBe(200);
    expect(res.type).toBe('application/pdf');
    expect(res.disposition).toContain('attachment');
    expect(res.body.subarray(0, 5).toString()).toBe('%PDF-');
    const pdf = pdfFacts(res.body, `street-${backend}`);
    expect(pdf.pages).toBeGreaterThanOrEqual(1);
    expect(pdf.pages).toBeLessThanOrEqual(2);
    // A4 is 595.28 × 841.89 pt.
    expect(Math.abs(pdf.w - 595.28)).toBeLessThan(1);
    expect(Math.abs(pdf.h - 841.89)).toBeLessThan(1);
    expect(pdf.pngs).toHaveLength(pdf.pages);

    const stats = (await leader.get(`/api/stats?region=${street}`)).body as RegionStats;
    const coverage = (await leader.get(`/api/coverage?region=${street}`)).body as RegionCoverage;
    const text = pdf.text.replace(/[ \t]+/g, ' ');
    expect(text).toContain('经八路街道基层治理简报');
    expect(text).toContain(new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'long' }).format(new Date()));
    for (const [label, value] of [
      ['楼院', stats.compounds.total],
      ['未化解矛盾纠纷', stats.disputes.open],
      ['超期矛盾纠纷', stats.disputes.overdue],
      ['未覆盖楼院', coverage.uncovered],
      // The seed's 经八路 ledger: 71 joint meetings, 21 problems solved, 115 agreements, 161 joint services.
      ['党建联席会议', stats.coBuilding.jointMeetings],
      ['会商解决民生问题', stats.coBuilding.problemsSolved],
      ['签订共建协议', stats.coBuilding.agreements],
      ['联合开展集中服务', stats.coBuilding.jointServices],
    ] as const) {
      expect(text, label).toMatch(new RegExp(`${label}\\s+${num(value).replace(',', ',?')}(\\s|$)`));
    }
    expect([stats.coBuilding.jointMeetings, stats.coBuilding.problemsSolved, stats.coBuilding.agreements, stats.coBuilding.jointServices]).toEqual([71, 21, 115, 161]);
    // pdftotext -raw drops the spaces between Chinese and digits.
    expect(text.replace(/\s/g, '')).toContain(`共${num(stats.disputes.open)}件，其中超期${num(stats.disputes.overdue)}件`);
    // Every community of the street appears in the coverage table.
    for (const child of coverage.children) expect(text).toContain(child.name);
    expect(text).toContain('挂图作战');
  });

  it('keeps the whole district on two pages at most', async () => {
    const res = await getPdf(server.url, token, '410105');
    expect(res.status).toBe(200);
    const pdf = pdfFacts(res.body, `district-${backend}`);
    expect(pdf.pages).toBeLessThanOrEqual(2);
    expect(pdf.text).toContain('金水区基层治理简报');
    expect(pdf.text).toContain('经八路街道');
  });

  it("refuses a region outside the user's area (403), an unknown region (404), a bad code (400), no token (401)", async () => {
    const [{ code: grid }] = await server.db.query<{ code: string }>(`SELECT code FROM regions WHERE level = 'grid' AND code LIKE '410105001%' ORDER BY code LIMIT 1`);
    const coordinator = await login(server.url, `grid-${grid}`);
    const outside = await getPdf(server.url, coordinator, '410105002');
    expect(outside.status).toBe(403);
    expect(JSON.parse(outside.body.toString())).toMatchObject({ error: 'forbidden_region' });
    expect((await getPdf(server.url, token, '410105099')).status).toBe(404);
    expect((await getPdf(server.url, token, '41010x')).status).toBe(400);
    expect((await getPdf(server.url, undefined, '410105001')).status).toBe(401);
    // The coordinator's own grid prints.
    const own = await getPdf(server.url, coordinator, grid);
    expect(own.status).toBe(200);
    expect(pdfFacts(own.body, `grid-${backend}`).pages).toBeLessThanOrEqual(2);
  });
});

describe('region briefing without Chromium', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { chromiumPath: '/nonexistent/chromium' } });
  });
  afterAll(() => server?.close());

  it('answers 503 briefing_unavailable in the error shape, and the rest of the API still works', async () => {
    const token = await login(server.url, 'leader');
    const res = await getPdf(server.url, token, '410105001');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error: 'briefing_unavailable', message: expect.any(String) });
    expect((await client(server.url, token).get('/api/coverage?region=410105001')).status).toBe(200);
  });
});
