import { describe, expect, it } from 'vitest';
import { en } from './en';
import { pluralKey } from './plural';
import { zhCN } from './zh-CN';

/** Fills a message as t() does. */
const fill = (text: string, values: Record<string, string | number>) => text.replace(/\{(\w+)\}/g, (m, k: string) => String(values[k] ?? m));

describe('plural messages', () => {
  it('English picks "one" for exactly 1 and "other" for 0, 2 and 1.5; Chinese always "other"', () => {
    expect([0, 1, 2, 1.5, 21].map((n) => pluralKey('en', 'tally.votes', n))).toEqual([
      'tally.votes.other',
      'tally.votes.one',
      'tally.votes.other',
      'tally.votes.other',
      'tally.votes.other',
    ]);
    expect([0, 1, 2].map((n) => pluralKey('zh-CN', 'tally.votes', n))).toEqual(['tally.votes.other', 'tally.votes.other', 'tally.votes.other']);
  });

  it('reads "1 vote (33%)" and "2 votes (67%)" in English, "1 票（33%）" in Chinese', () => {
    const votes = (dict: Record<string, string>, lang: string, n: number, percent: number) =>
      fill(dict[pluralKey(lang, 'tally.votes', n)]!, { n, percent });
    expect(votes(en, 'en', 1, 33)).toBe('1 vote (33%)');
    expect(votes(en, 'en', 2, 67)).toBe('2 votes (67%)');
    expect(votes(en, 'en', 0, 0)).toBe('0 votes (0%)');
    expect(votes(zhCN, 'zh-CN', 1, 33)).toBe('1 票（33%）');
  });

  it('every plural message has both forms in both languages', () => {
    for (const dict of [en, zhCN]) {
      const keys = Object.keys(dict);
      for (const k of keys.filter((k) => k.endsWith('.one'))) expect(keys, k).toContain(k.replace(/\.one$/, '.other'));
      // A `.other` with no placeholder is a choice named "other" (a hide reason), not a plural form.
      const pluralOthers = keys.filter((k) => k.endsWith('.other') && dict[k as keyof typeof dict].includes('{'));
      for (const k of pluralOthers) expect(keys, k).toContain(k.replace(/\.other$/, '.one'));
    }
  });

  it('no English message puts a count before a plural noun unless it is the "other" form of a plural pair', () => {
    // "{n} votes", "at least {count} members", "{n} voting codes": wrong for 1 unless chosen by count.
    const countThenPlural = /\{\w+\} (?:[a-z]+ )?[a-z]+s\b/;
    const offenders = Object.entries(en)
      .filter(([k, text]) => countThenPlural.test(text) && !k.endsWith('.other'))
      .map(([k, text]) => `${k}: ${text}`);
    expect(offenders).toEqual([]);
    // And the "one" forms say it in the singular.
    const singularWrong = Object.entries(en)
      .filter(([k, text]) => k.endsWith('.one') && countThenPlural.test(text))
      .map(([k, text]) => `${k}: ${text}`);
    expect(singularWrong).toEqual([]);
  });
});
