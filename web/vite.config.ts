import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';

// In `vite dev` the API and Socket.IO live on the yishi server (default port 3000).
const apiTarget = process.env.YISHI_API ?? 'http://127.0.0.1:3000';

/**
 * The shared packages only declare schemas and pure functions. Telling Rollup so lets it drop the
 * zod schemas (and zod) from pages that import a helper like nextStates() from @yishi/domain,
 * which keeps the residents' meeting page small on slow phones.
 */
function pureWorkspacePackages(): Plugin {
  const pure = /[\\/]packages[\\/](protocol|domain)[\\/]src[\\/]/;
  return {
    name: 'yishi-pure-workspace-packages',
    transform(code, id) {
      if (pure.test(id)) return { code, map: null, moduleSideEffects: false };
      return null;
    },
  };
}

export default defineConfig({
  plugins: [pureWorkspacePackages(), sveltekit()],
  server: {
    proxy: {
      '/api': apiTarget,
      '/healthz': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
});
