// A test, never bundled: it may import the protocol's schema to check against what the server accepts.
import { CastBallot } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { randomUuid } from './uuid';

describe('randomUuid', () => {
  it('makes idempotency keys the server accepts, all different', () => {
    const keys = Array.from({ length: 2000 }, () => randomUuid());
    for (const k of keys) {
      expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(CastBallot.shape.idempotencyKey.safeParse(k).success).toBe(true);
    }
    expect(new Set(keys).size).toBe(keys.length);
  });
});
