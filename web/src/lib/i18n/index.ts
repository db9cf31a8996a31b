export { i18n, setLang, loadLang, t, tn, errorText, groupName, formatDateTime, detectLang, LANGS, LANG_NAMES, NETWORK, OFFLINE } from './i18n.svelte';
export type { Lang, Params } from './i18n.svelte';
export type { Key, Dict, ParamsOf } from './types';
export type { PluralBase } from './plural';
export { pluralKey } from './plural';
