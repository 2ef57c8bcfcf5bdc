import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The operator console, served by functions/console under /console/. The build is made for a strict
 * Content-Security-Policy: no inline script or style, no data: URLs (nothing is inlined), nothing
 * from another origin. Built by infra/tools/build-console.ts (npm start, tests and CDK run it).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: 'dist',
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
