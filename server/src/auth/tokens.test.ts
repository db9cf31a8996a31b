import { describe, expect, it } from 'vitest';
import { hashToken, newToken } from './tokens.ts';

describe('tokens', () => {
  it('draws 256-bit URL-safe tokens, never the same twice, across refills of the pool', () => {
    const drawn = Array.from({ length: 1_000 }, () => newToken());
    for (const t of drawn) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(drawn).size).toBe(drawn.length);
    // Not a pool of zeros (the wiped bytes) handed out again.
    expect(drawn.some((t) => t === Buffer.alloc(32).toString('base64url'))).toBe(false);
    expect(hashToken(drawn[0]!)).toMatch(/^[0-9a-f]{64}$/);
  });
});
