import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // The express server in server/ mounts the built handler; it owns the port.
    adapter: adapter({ out: 'build', precompress: true }),
    // Sent as a header with each page (the shell is rendered per request); SvelteKit adds a nonce
    // for its own inline start-up script. Styles may be inline (style attributes in components).
    // QR codes are data: images. Websockets go to this same origin; ws:/wss: are named too because
    // older Safari does not count them as 'self'.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'font-src': ['self'],
        'connect-src': ['self', 'ws:', 'wss:'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};
export default config;
