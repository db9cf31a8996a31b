import { i18n, loadLang } from '$lib/i18n';
import type { LayoutLoad } from './$types';

// The app is rendered in the browser: the server in server/ only serves the shell and the API.
export const ssr = false;
export const prerender = false;

/**
 * Every page renders inside this layout, so awaiting the chosen language's dictionary here means
 * no component calls t() before its strings have arrived (and the other language is never fetched).
 * It depends on nothing in the URL, so SvelteKit runs it once, not on each navigation.
 */
export const load: LayoutLoad = async () => {
  await loadLang(i18n.lang);
};
