import { describe, expect, it } from 'vitest';
import { splitLinks } from './links.ts';

describe('splitLinks', () => {
  it('finds http(s) and www addresses, leaving trailing punctuation as text', () => {
    expect(splitLinks('see https://example.org/a?b=1, and www.gov.cn.')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
      { kind: 'text', text: ', and ' },
      { kind: 'link', text: 'www.gov.cn', href: 'http://www.gov.cn' },
      { kind: 'text', text: '.' },
    ]);
  });

  it('stops at Chinese punctuation and never makes javascript: or data: links', () => {
    expect(splitLinks('链接：https://a.cn/x。谢谢')).toEqual([
      { kind: 'text', text: '链接：' },
      { kind: 'link', text: 'https://a.cn/x', href: 'https://a.cn/x' },
      { kind: 'text', text: '。谢谢' },
    ]);
    for (const s of ['javascript:alert(1)', 'data:text/html,<b>x</b>', '<a href="javascript:1">x</a>']) {
      expect(splitLinks(s).every((p) => p.kind === 'text')).toBe(true);
    }
    expect(splitLinks('https://x.org/"onmouseover="alert(1)')).toEqual([
      { kind: 'link', text: 'https://x.org/', href: 'https://x.org/' },
      { kind: 'text', text: '"onmouseover="alert(1)' },
    ]);
  });

  it('keeps all the text, in order', () => {
    const s = 'a http://b.c d\nwww.e.f g';
    expect(
      splitLinks(s)
        .map((p) => p.text)
        .join(''),
    ).toBe(s);
  });
});
