import { describe, expect, it } from 'vitest';
import { openEnvelope, sealEnvelope } from './byte-envelope.ts';

describe('the byte-channel envelope', () => {
  it('carries the origin and the exact bytes, empty or binary', () => {
    for (const bytes of [new Uint8Array([]), new Uint8Array([0, 255, 10, 13, 0]), new Uint8Array(70_000).fill(7)]) {
      const opened = openEnvelope(sealEnvelope('instance-7f3a', bytes));
      expect(opened?.origin).toBe('instance-7f3a');
      expect([...opened!.bytes]).toEqual([...bytes]);
    }
  });

  it('refuses what is not an envelope', () => {
    expect(openEnvelope(Buffer.alloc(0))).toBeNull();
    expect(openEnvelope(Buffer.from([10, 1, 2]))).toBeNull(); // says 10 bytes of id, has 2
  });
});
