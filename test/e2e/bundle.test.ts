import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

/**
 * Residents follow on old phones over slow networks (DESIGN.md 8): the web app imports only
 * types from @yishi/protocol, and values from the zod-free @yishi/protocol/constants, so the wire
 * schemas' library (zod) never ships to the browser. A value import that pulls it in (directly,
 * or through packages/domain) fails here.
 */
describe('the web bundle', () => {
  const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'build', 'client', '_app', 'immutable');
  const scripts = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));

  it('ships no schema library to the browser', () => {
    expect(scripts.length).toBeGreaterThan(0);
    const withZod = scripts.filter((f) => /ZodError|ZodType/.test(readFileSync(path.join(dir, f), 'utf8')));
    expect(withZod).toEqual([]);
  });

  /** The scripts a page loads before it renders: the entry, the root layout and the page, with every static import. */
  function pageScripts(route: string): string[] {
    const app = scripts.find((f) => /^entry[\\/]app\.[^/\\]*\.js$/.test(f));
    const start = scripts.find((f) => /^entry[\\/]start\.[^/\\]*\.js$/.test(f));
    expect(app && start).toBeTruthy();
    const appText = readFileSync(path.join(dir, app!), 'utf8');
    const node = new RegExp(`"${route.replace(/[[\]]/g, '\\$&')}":\\[(\\d+)`).exec(appText)?.[1];
    expect(node, `route ${route} in the client's dictionary`).toBeDefined();
    const nodeFile = (n: string) => scripts.find((f) => new RegExp(`^nodes[\\\\/]${n}\\.[^/\\\\]*\\.js$`).test(f))!;
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(path.join(dir, file), 'utf8');
      // Static imports only: `import{a}from"../chunks/x.js"` or `import"./x.js"`, never `import("…")`.
      for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^"'();]*?from\s*)?["']([^"']+\.js)["']/g)) {
        visit(path.normalize(path.join(path.dirname(file), m[1]!)));
      }
    };
    for (const f of [start!, app!, nodeFile('0'), nodeFile(node!)]) visit(f);
    return [...seen];
  }
  const gz = (files: string[]) => files.reduce((n, f) => n + gzipSync(readFileSync(path.join(dir, f))).length, 0);
  /** Yjs, y-websocket and ProseMirror: the editors' chunk, which a resident must never download. */
  const isEditorCode = (f: string) => /Yjs was already imported|ProseMirror-hideselection/.test(readFileSync(path.join(dir, f), 'utf8'));

  it('keeps the script a phone downloads for a meeting under 150 KB compressed, with no Yjs or ProseMirror', () => {
    const meeting = pageScripts('/meetings/[id]');
    const display = pageScripts('/meetings/[id]/display');
    expect(meeting.filter(isEditorCode)).toEqual([]);
    expect(display.filter(isEditorCode)).toEqual([]);
    expect(gz(meeting)).toBeLessThan(150 * 1024);
    expect(gz(display)).toBeLessThan(150 * 1024);
    // The editor is there, loaded with import() only for editors and members reading the notes.
    expect(scripts.filter(isEditorCode).length).toBeGreaterThan(0);
  });
});
