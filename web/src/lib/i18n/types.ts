/**
 * The dictionaries' types, derived from the messages themselves. Only types are imported here, so
 * this module pulls neither dictionary into the bundle (each is its own chunk, see loadLang in ./i18n.svelte.ts).
 */
import type { en } from './en';
import type { zhCN } from './zh-CN';

type Source = typeof zhCN;
export type Key = keyof Source;
/** Every dictionary must supply every key, and no other. */
export type Dict = { readonly [K in Key]: string };

/**
 * The names of the {name} placeholders in a message, as t() fills them (`\{(\w+)\}`): "发放 {n} 个"
 * gives "n". A brace pair holding anything but a word (a space, another brace) is text, not a name.
 */
export type Placeholders<S extends string> = S extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends '' | `${string}${' ' | '{' | '-' | '.' | ','}${string}` ? never : Name) | Placeholders<Rest>
  : never;

/** The parameters a key's message needs: exactly its placeholders, each a string or a number. */
export type ParamsOf<K extends Key> = { readonly [P in Placeholders<Source[K]>]: string | number };

/**
 * t()'s arguments after the key: none for a message without placeholders, else one object naming
 * each placeholder. Distributes over a union of keys, so t(someKey) type-checks when some key of
 * the union needs no parameters (a key computed at run time, such as `error.${code}`).
 */
export type ParamsArg<K extends Key> = K extends Key ? ([Placeholders<Source[K]>] extends [never] ? [] : [params: ParamsOf<K>]) : never;

type SameNames<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Keys whose English message names other placeholders than the Chinese one (should be none). */
type ParamMismatch = {
  [K in Key]: SameNames<Placeholders<Source[K]>, Placeholders<(typeof en)[K]>> extends true ? never : K;
}[Key];
type Expect<T extends true> = T;
// A translation that drops, renames or adds a placeholder fails to type-check here, naming its key.
export type SameParamsInEveryLanguage = Expect<[ParamMismatch] extends [never] ? true : ParamMismatch>;

/**
 * Plural pairs (`<base>.one`, `<base>.other`, see ./plural.ts): keys whose two forms name other
 * placeholders than each other, in either language (should be none: tn() fills both alike).
 */
type PluralMismatch = {
  [K in Key]: K extends `${infer B}.one`
    ? `${B}.other` extends Key
      ? SameNames<Placeholders<Source[K]>, Placeholders<Source[`${B}.other`]>> extends true
        ? SameNames<Placeholders<(typeof en)[K]>, Placeholders<(typeof en)[`${B}.other`]>> extends true
          ? never
          : K
        : K
      : K
    : never;
}[Key];
export type SameParamsInEveryPluralForm = Expect<[PluralMismatch] extends [never] ? true : PluralMismatch>;
