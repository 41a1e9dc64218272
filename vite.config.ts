import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

const API = 'http://127.0.0.1:3000';

/**
 * Field mode (网格员移动端) as an installable PWA that works offline after one online visit. The service worker's
 * scope is /field: it controls only the field page, so the wall and the leader mode never run under it (a wall
 * must never be handed a cached answer). FieldMode registers it (modes/field/lib/pwa.ts); nothing else does.
 */
const fieldPwa = VitePWA({
  strategies: 'generateSW',
  registerType: 'autoUpdate',
  injectRegister: false,
  scope: '/field',
  filename: 'sw.js',
  manifestFilename: 'manifest.webmanifest',
  manifest: {
    name: '金水区网格员',
    short_name: '网格员',
    description: '金水区党建引领基层治理 · 网格员移动端',
    lang: 'zh-CN',
    id: '/field',
    start_url: '/field',
    scope: '/field',
    display: 'standalone',
    orientation: 'portrait',
    theme_color: '#b3261e',
    background_color: '#ffffff',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  workbox: {
    // The app shell: every chunk the field page may load, but not the other modes' own chunks (a phone need not
    // carry the wall). The manifest and its icons are added by the plugin.
    globPatterns: ['**/*.{js,css,html,svg,woff2}'],
    globIgnores: ['**/WallMode-*', '**/LeaderMode-*', '**/AdminMode-*'],
    // maplibre-gl and deck.gl sit in one large chunk (see chunkSizeWarningLimit).
    maximumFileSizeToCacheInBytes: 6 * 1024 * 1024,
    navigateFallback: 'index.html',
    navigateFallbackAllowlist: [/^\/field(?:[/?]|$)/],
    cleanupOutdatedCaches: true,
    // Take over at once, also the page that installed it: one online visit must be enough to work offline.
    clientsClaim: true,
    skipWaiting: true,
    runtimeCaching: [
      // The match functions are copied into sw.js as text: they may not refer to anything outside themselves.
      {
        // The field page's reads: the network when it answers within the timeout, else the last copy.
        urlPattern: ({ url, sameOrigin, request }) =>
          sameOrigin && request.method === 'GET' && /^\/api\/(layers|regions|campaigns|stats|config)(\/|$)/.test(url.pathname),
        handler: 'NetworkFirst',
        options: {
          cacheName: 'field-api',
          networkTimeoutSeconds: 4,
          // Only real answers: never keep a 401/403/5xx as "the last copy".
          cacheableResponse: { statuses: [200] },
          expiration: { maxEntries: 200, maxAgeSeconds: 7 * 24 * 3600 },
        },
      },
      {
        // Photos are content-addressed (id = sha256 of the bytes): a cached one can never be stale.
        urlPattern: ({ url, sameOrigin, request }) => sameOrigin && request.method === 'GET' && /^\/api\/photos\/[0-9a-f]{64}$/.test(url.pathname),
        handler: 'CacheFirst',
        options: {
          cacheName: 'field-photos',
          cacheableResponse: { statuses: [200] },
          expiration: { maxEntries: 300, maxAgeSeconds: 30 * 24 * 3600 },
        },
      },
    ],
  },
});

/**
 * Writes `.br` and `.gz` copies next to every compressible file of the build, served as they are by
 * fastify-static (`preCompressed`): the server then never compresses the ~2 MB of map code per page load (a cold
 * load waited a second for the largest chunk, compressed on the fly), and brotli can run at its best quality.
 */
const precompress: Plugin = {
  name: 'jinshui-precompress',
  apply: 'build',
  writeBundle(options, bundle) {
    const dir = options.dir!;
    for (const name of Object.keys(bundle)) {
      if (!/\.(?:js|css|html|svg|webmanifest|json)$/.test(name)) continue;
      const file = path.join(dir, name);
      const bytes = fs.readFileSync(file);
      if (bytes.length < 1024) continue;
      fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
      fs.writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: 9 }));
    }
  },
};

// The client lives in client/; the server serves the build from dist/client with an SPA fallback.
export default defineConfig({
  root: 'client',
  plugins: [svelte(), fieldPwa, precompress],
  resolve: {
    // Wire types are shared with the server, never redeclared (STYLE.md convention 1).
    alias: { $contract: fileURLToPath(new URL('./server/src/contract', import.meta.url)) },
  },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    // No source maps in the shipped build (fastify-static would serve any .map file next to the bundles).
    sourcemap: false,
    // maplibre-gl and deck.gl are large by nature and already split off into the leader mode's chunk.
    chunkSizeWarningLimit: 2500,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': API,
      '/socket.io': { target: API, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': API,
      '/socket.io': { target: API, ws: true },
    },
  },
});
