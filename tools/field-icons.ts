/**
 * Draws the field PWA's icons (client/public/icons/*.png) once, in Debian's Chromium with the Noto CJK font, so
 * the glyph 网 renders the same everywhere. Run again only to change the design: `npx tsx tools/field-icons.ts`.
 * The maskable icon keeps its glyph inside the central 80 % circle that launchers may crop to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/e2e/browser.js';

const OUT = path.resolve(import.meta.dirname, '../client/public/icons');
/** The field theme's accent (vite.config.ts theme_color) on white. */
const RED = '#b3261e';

const icons = [
  { file: 'icon-192.png', size: 192, glyphScale: 0.62, radius: 0.18 },
  { file: 'icon-512.png', size: 512, glyphScale: 0.62, radius: 0.18 },
  { file: 'icon-maskable-512.png', size: 512, glyphScale: 0.46, radius: 0 },
  { file: 'apple-touch-icon-180.png', size: 180, glyphScale: 0.6, radius: 0 },
];

const html = (size: number, glyphScale: number, radius: number) => `<!doctype html><html><head><meta charset="utf-8"><style>
  html, body { margin: 0; background: transparent; }
  .icon { width: ${size}px; height: ${size}px; border-radius: ${radius * size}px; background: ${RED}; position: relative;
          display: grid; place-items: center; overflow: hidden; }
  .glyph { color: #fff; font: 700 ${Math.round(size * glyphScale)}px/1 'Noto Sans CJK SC', 'Noto Sans CJK', sans-serif; }
  .bar { position: absolute; left: 0; right: 0; bottom: 0; height: ${Math.round(size * 0.07)}px; background: #f6c343; }
</style></head><body><div class="icon"><span class="glyph">网</span><div class="bar"></div></div></body></html>`;

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'icons-'));
const context = await chromium.launchPersistentContext(userDataDir, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  fs.mkdirSync(OUT, { recursive: true });
  const page = await context.newPage();
  for (const icon of icons) {
    await page.setViewportSize({ width: icon.size, height: icon.size });
    await page.setContent(html(icon.size, icon.glyphScale, icon.radius));
    await page.evaluate(() => document.fonts.ready);
    await page.locator('.icon').screenshot({ path: path.join(OUT, icon.file), omitBackground: true });
    console.log(`${icon.file} ${icon.size}×${icon.size}`);
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
