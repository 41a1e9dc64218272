import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

const API = 'http://127.0.0.1:3000';

// The client lives in client/; the server serves the build from dist/client with an SPA fallback.
export default defineConfig({
  root: 'client',
  plugins: [svelte()],
  resolve: {
    // Wire types are shared with the server, never redeclared (STYLE.md convention 1).
    alias: { $contract: fileURLToPath(new URL('./server/src/contract', import.meta.url)) },
  },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
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
