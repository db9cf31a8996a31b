import type { Key } from './types';

/**
 * Messages that depend on a count come in two keys, `<base>.one` and `<base>.other` ("1 vote",
 * "2 votes"), in every dictionary; Intl.PluralRules of the page's language picks one. Chinese has
 * one form, so its `.one` and `.other` read the same. The base names such a pair.
 */
export type PluralBase = { [K in Key]: K extends `${infer B}.other` ? (`${B}.one` extends Key ? B : never) : never }[Key];

const rules = new Map<string, Intl.PluralRules>();

/** The key of `base` for `count` in `lang`: `.one` where the language says so (English: exactly 1), else `.other`. */
export function pluralKey<B extends PluralBase>(lang: string, base: B, count: number): `${B}.one` | `${B}.other` {
  let r = rules.get(lang);
  if (!r) rules.set(lang, (r = new Intl.PluralRules(lang)));
  return `${base}.${r.select(count) === 'one' ? 'one' : 'other'}`;
}
