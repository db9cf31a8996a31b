import { MOTION_CHOICES } from '@yishi/protocol';
import { describe, expect, it } from 'vitest';
import { MOTION_KEYS } from './option-keys.ts';

describe('MOTION_KEYS', () => {
  it("is the wire schema's list of motion choices, in the same order", () => {
    expect(MOTION_KEYS).toEqual(MOTION_CHOICES);
  });
});
