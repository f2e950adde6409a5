import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Relative base: the same build loads from file:// in Electron and from the host at '/'.
export default defineConfig({
  root: __dirname,
  base: './',
  plugins: [react()],
  build: {
    // Relative to root (src-renderer/), so the config needs no Node path helpers.
    outDir: '../dist-renderer',
    emptyOutDir: true,
    target: 'es2022',
    // The CSP forbids inline scripts, so never inline the module preload polyfill.
    modulePreload: { polyfill: false },
    sourcemap: false,
    rollupOptions: {
      // zod ships comments Rollup cannot place; harmless, and noise in every build.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return;
        warn(warning);
      },
    },
  },
});
