/**
 * Plain text split into text and web addresses, so that a client can show addresses as links
 * (with rel="nofollow noopener ugc") and everything else as text: never as HTML.
 */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string };

// http(s) addresses and www. names, up to whitespace or a character that cannot end one.
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'\u3000-\u303f\uff01-\uff5e]+/giu;
const TRAILING = /[.,;:!?)\]}'"]+$/u;

export function splitLinks(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    const trail = TRAILING.exec(url);
    if (trail) url = url.slice(0, url.length - trail[0].length);
    if (!url) continue;
    const start = m.index;
    const href = /^https?:\/\//i.test(url) ? url : `http://${url}`;
    // Only http(s): nothing else (javascript:, data:) can become a link.
    if (!/^https?:\/\/[^/\s]/i.test(href)) continue;
    if (start > at) parts.push({ kind: 'text', text: text.slice(at, start) });
    parts.push({ kind: 'link', text: url, href });
    at = start + url.length;
  }
  if (at < text.length) parts.push({ kind: 'text', text: text.slice(at) });
  return parts;
}
