import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('@yishi/protocol/constants', () => {
  it('imports nothing, so the web app can take its lists without the schema library', () => {
    const source = readFileSync(new URL('./constants.ts', import.meta.url), 'utf8');
    expect(source.match(/^\s*(import|export \*|export \{[^}]*\} from)\b.*$/gm) ?? []).toEqual([]);
  });
});
