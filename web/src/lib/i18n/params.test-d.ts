/**
 * Type-level test of t()'s parameters, checked by `pnpm -r check` (svelte-check), never run.
 * Each `@ts-expect-error` must meet an error: if a wrong call stopped failing to type-check, the
 * directive itself would be reported as unused and the check would fail.
 */
import { t, tn, type Key, type ParamsOf } from './index';
import type { Placeholders } from './types';

export function typedParameters(): string[] {
  return [
    // Right: exactly the message's placeholders ("已选 {n} / {max} 项"), strings or numbers.
    t('ballot.chosen', { n: 1, max: '3' }),
    t('app.name'),
    tn('codes.issue', 3, { n: 3 }),

    // @ts-expect-error a parameter the message does not have
    tn('codes.issue', 1, { wrong: 1 }),
    // @ts-expect-error a misspelled parameter next to a right one
    t('ballot.chosen', { n: 1, maxx: 3 }),
    // @ts-expect-error a parameter missing
    t('ballot.chosen', { n: 1 }),
    // @ts-expect-error the parameters missing altogether
    tn('codes.issue', 2),
    // @ts-expect-error a plural message asked for without its count
    t('codes.issue', { n: 2 }),
    // @ts-expect-error a message that has no plural forms
    tn('ballot.chosen', 2, { n: 1, max: 3 }),
    // @ts-expect-error parameters for a message without placeholders
    t('app.name', { n: 1 }),
    // @ts-expect-error a value that is neither a string nor a number
    tn('codes.issue', 1, { n: true }),
    // @ts-expect-error a key that is in no dictionary
    t('no.such.key'),
  ];
}

/** A key computed at run time needs no parameters when some key it may be needs none. */
export function computedKeys(code: 'forbidden' | 'not_found', key: Key): string[] {
  return [t(`error.${code}`), t(key)];
}

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type PlaceholderCases = [
  Expect<Equal<Placeholders<'已选 {n} / {max} 项'>, 'n' | 'max'>>,
  Expect<Equal<Placeholders<'no placeholders'>, never>>,
  Expect<Equal<Placeholders<'{a}{b}{a}'>, 'a' | 'b'>>,
  // Braces around something that is not a word are text, as at run time.
  Expect<Equal<Placeholders<'{not a name} {n}'>, 'n'>>,
  Expect<Equal<ParamsOf<'home.signedInAs'>, { readonly name: string | number; readonly role: string | number }>>,
];
