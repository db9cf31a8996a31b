import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JOIN_CODE_ALPHABET } from '@yishi/protocol';
import { joinCodeFromBytes, normaliseJoinCode } from './join-code.ts';

describe('join codes', () => {
  it('are six characters without look-alikes (0/O, 1/I/L)', () => {
    for (let i = 0; i < 200; i++) {
      const code = joinCodeFromBytes(randomBytes(16))!;
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
    }
    expect(JOIN_CODE_ALPHABET).not.toMatch(/[01OIL]/);
  });

  it('use only the alphabet, whatever the bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const code = joinCodeFromBytes(bytes);
        if (code !== null) expect([...code].every((ch) => JOIN_CODE_ALPHABET.includes(ch))).toBe(true);
      }),
    );
  });

  it('forgive case, spaces and dashes when typed', () => {
    expect(normaliseJoinCode(' ab3 d-k9 ')).toBe('AB3DK9');
  });
});
