import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // The express server in server/ mounts the built handler; it owns the port.
    adapter: adapter({ out: 'build', precompress: true }),
  },
};
export default config;
