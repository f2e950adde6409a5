import { builtinModules } from 'node:module';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The renderer runs in a sandboxed page with no Node. Vite would quietly swap a Node built-in
 * for an empty stub ("externalized for browser compatibility") and the screen would fail only
 * when the code runs; this makes such an import fail the build, naming who imported it.
 */
export function noNodeModules(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'strata:no-node-modules',
    enforce: 'pre',
    resolveId(source, importer) {
      const bare = source.startsWith('node:') ? source.slice('node:'.length) : source;
      if (source.startsWith('node:') || builtins.has(bare) || builtins.has(bare.split('/')[0]!)) {
        this.error(
          `${importer ?? 'An entry'} imports the Node module '${source}'. The renderer runs in a browser page: ` +
            'keep Node code in src-main/ and reach it through the contract (src-main/contract/).',
        );
      }
      return null;
    },
  };
}

// Relative base: the same build loads from file:// in Electron and from the host at '/'.
export default defineConfig({
  root: __dirname,
  base: './',
  plugins: [noNodeModules(), react()],
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
