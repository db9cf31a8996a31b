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

  it('keeps the script a phone downloads for a meeting under 150 KB compressed', () => {
    // Every script together is an upper bound for any one page.
    const total = scripts.reduce((n, f) => n + gzipSync(readFileSync(path.join(dir, f))).length, 0);
    expect(total).toBeLessThan(150 * 1024);
  });
});
