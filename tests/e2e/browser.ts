import fs from 'node:fs';
import path from 'node:path';

/** Screenshots of every e2e run land here; look at them. */import type { BrowserContext } from 'playwright-core';

export const ARTIFACTS = path.resolve(import.meta.dirname, '../artifacts');
export const CLIENT_DIST = path.resolve(import.meta.dirname, '../../dist/client');
/** TOOLCHAIN.md: Debian's chromium with software WebGL, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];
export const READY = '[data-map-ready="true"]';

export function requireBuiltClient(): void {
  if (!fs.existsSync(path.join(CLIENT_DIST, 'index.html'))) throw new Error(`No built client in ${CLIENT_DIST}: run "npm run build" first`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}

/**
 * The map must work with no internet: every request that is not to the loopback server (or data:/blob:) is
 * refused and recorded in `into`, for the test to assert it stayed empty.
 */
export async function refuseOffsite(context: BrowserContext, serverUrl: string, into: string[]): Promise<void> {
  const origin = new URL(serverUrl).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    into.push(url);
    return route.abort();
  });
}
