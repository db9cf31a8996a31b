import type { ApiError, BuiltinGroup, ErrorCode, Group, MeetingMode, MeetingState, Role } from '@yishi/protocol';
import type { Dict, Key, ParamsArg } from './types';
import { pluralKey, type PluralBase } from './plural';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
/** Language names are shown in their own language, so they are not translated. */
export const LANG_NAMES: Record<Lang, string> = { 'zh-CN': '中文', en: 'English' };

/**
 * Each dictionary is its own chunk, fetched only when its language is chosen: a phone downloads
 * its own language's strings and never the other's. The root layout's load awaits the first one
 * (loadLang), so nothing renders before t() can answer.
 */
const LOADERS: Record<Lang, () => Promise<Dict>> = {
  'zh-CN': () => import('./zh-CN').then((m) => m.zhCN),
  en: () => import('./en').then((m) => m.en),
};
const loaded: Partial<Record<Lang, Dict>> = {};
const loading: Partial<Record<Lang, Promise<Dict>>> = {};

/** Fetches a language's dictionary once; a failed fetch (offline) may be retried later. */
export async function loadLang(lang: Lang): Promise<void> {
  if (loaded[lang]) return;
  const pending = (loading[lang] ??= LOADERS[lang]().finally(() => delete loading[lang]));
  loaded[lang] = await pending;
}

const STORAGE_KEY = 'yishi.lang';

// Compile-time proof that every code, role, state, mode and builtin group has a translation.
type Required = `error.${ErrorCode}` | `role.${Role}` | `state.${MeetingState}` | `mode.${MeetingMode}` | `group.${BuiltinGroup}`;
const _allTranslated: readonly Key[] = [] as readonly Required[];
void _allTranslated;

/** zh-CN when the browser prefers any Chinese before any English, else en. */
export function detectLang(languages: readonly string[]): Lang {
  for (const l of languages) {
    const lower = l.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function initialLang(): Lang {
  if (typeof window === 'undefined') return 'zh-CN';
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (saved === 'zh-CN' || saved === 'en') return saved;
  } catch {
    // Storage may be blocked (private mode); fall back to the browser's preference.
  }
  const prefs = navigator.languages?.length ? navigator.languages : [navigator.language ?? ''];
  return detectLang(prefs);
}

export const i18n = $state<{ lang: Lang }>({ lang: initialLang() });

let lastAsked: Lang | undefined;

/**
 * Switches language once its dictionary has arrived (t() never sees a missing one). When switches
 * overlap, the last one asked wins, whichever dictionary arrives first. Rejects if the dictionary
 * cannot be fetched; the language then stays as it was.
 */
export async function setLang(lang: Lang): Promise<void> {
  lastAsked = lang;
  await loadLang(lang);
  if (lastAsked !== lang) return;
  i18n.lang = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

export type Params = Readonly<Record<string, string | number>>;

/**
 * Reactive: reading i18n.lang makes any template or $derived using t() follow the switch.
 * The parameters are typed from the message: t('codes.issue', { n: 3 }) for "发放 {n} 个投票码";
 * a missing, misspelled or extra name fails to type-check.
 */
export function t<K extends Key>(key: K, ...[params]: ParamsArg<K>): string {
  const text = loaded[i18n.lang]?.[key] ?? key;
  if (!params) return text;
  const values: Params = params;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m));
}

/**
 * A message that depends on a count: `tn('tally.votes', n, { n, percent })` reads "1 vote (50%)" or
 * "2 votes (50%)" (the keys `tally.votes.one` and `tally.votes.other`, see ./plural.ts). Both forms
 * name the same placeholders (checked in ./types.ts), so the parameters are typed from `.other`.
 */
export function tn<B extends PluralBase>(base: B, count: number, ...[params]: ParamsArg<`${B}.other`>): string {
  const key: Key = pluralKey(i18n.lang, base, count);
  return (t as (key: Key, params?: Params) => string)(key, params as Params | undefined);
}

/** Every dictionary has the same keys (./types.ts), so the one in use answers for all. */
function isKey(k: string): k is Key {
  const dict = loaded[i18n.lang];
  return dict !== undefined && Object.prototype.hasOwnProperty.call(dict, k);
}

/** Marks a client-side network failure inside an ApiError (it never comes from the server). */
export const NETWORK = '__network__';
export const OFFLINE = '__offline__';

/** One translated sentence for any failure: HTTP body, socket ack or network. */
export function errorText(error: ApiError | null | undefined): string {
  if (!error) return '';
  if (error.message === NETWORK) return t('error.network');
  if (error.message === OFFLINE) return t('error.offline');
  const key = `error.${error.code}`;
  let text = isKey(key) ? t(key) : t('error.unknown');
  if (error.code === 'invalid_input' && error.fields?.length) {
    const names = error.fields
      .map((f) => `field.${f.split('.')[0]}`)
      .filter(isKey)
      .map((k) => t(k));
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local copy to drop repeats, never state
    const unique = [...new Set(names)];
    if (unique.length) text += ' ' + t('error.fields', { fields: unique.join(i18n.lang === 'en' ? ', ' : '、') });
  }
  return text;
}

export function groupName(group: Pick<Group, 'name' | 'builtin'> | undefined): string {
  if (!group) return t('group.unknown');
  return group.builtin ? t(`group.${group.builtin}`) : group.name;
}

export function formatDateTime(iso: string): string {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a local value, never state
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(i18n.lang, {
    dateStyle: 'full',
    timeStyle: 'short',
  }).format(d);
}
