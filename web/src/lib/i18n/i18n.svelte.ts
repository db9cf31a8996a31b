import type {
  ApiError,
  BuiltinGroup,
  ErrorCode,
  Group,
  MeetingMode,
  MeetingState,
  Role,
} from '@yishi/protocol';
import { en } from './en';
import { zhCN, type Dict, type Key } from './zh-CN';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
/** Language names are shown in their own language, so they are not translated. */
export const LANG_NAMES: Record<Lang, string> = { 'zh-CN': '中文', en: 'English' };

const DICTS: Record<Lang, Dict> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'yishi.lang';

// Compile-time proof that every code, role, state, mode and builtin group has a translation.
type Required =
  | `error.${ErrorCode}`
  | `role.${Role}`
  | `state.${MeetingState}`
  | `mode.${MeetingMode}`
  | `group.${BuiltinGroup}`;
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

export function setLang(lang: Lang): void {
  i18n.lang = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not persisted; the choice still holds for this page.
  }
}

export type Params = Record<string, string | number>;

/** Reactive: reading i18n.lang makes any template or $derived using t() follow the switch. */
export function t(key: Key, params?: Params): string {
  const text = DICTS[i18n.lang][key] ?? zhCN[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : m,
  );
}

function isKey(k: string): k is Key {
  return Object.prototype.hasOwnProperty.call(zhCN, k);
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
