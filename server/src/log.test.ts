import { describe, expect, it, vi } from 'vitest';
import { createLogger, redact, withRedaction, type Logger } from './log.ts';

const receiptHash = 'a3f1c2d4e5b6978877665544332211009f8e7d6c5b4a39281706f5e4d3c2b1a0';
const failed =
  'Failed query: INSERT INTO ballot_pending (id, poll_id, electorate, choice, receipt_hash) SELECT id FROM jsonb_to_recordset($1::jsonb)\n' +
  `params: [{"id":"0f54ecdb-a479-4a2f-8d2a-c1e7f99d4c46","choice":{"kind":"motion","choice":"yes"},"receipt_hash":"${receiptHash}"}]`;

describe('log redaction', () => {
  it("cuts a database library's parameters out of its error text, keeping the query", () => {
    const out = redact(failed) as string;
    expect(out).toContain('Failed query: INSERT INTO ballot_pending');
    expect(out).not.toContain('yes');
    expect(out).not.toContain(receiptHash);
    expect(out).toContain('params: [redacted]');
  });

  it('masks fields that carry a choice, a position, a token or a receipt, at any depth', () => {
    const out = JSON.stringify(
      redact({
        ok: 'kept',
        choice: { kind: 'motion', choice: 'no' },
        ballot: { position: 4, receiptHash, nested: [{ token: 'tok-123456' }] },
        receipt: 'r-abcdef',
        idempotencyKey: 'k-1',
        params: [1, 2],
        votingCode: 'ABCD2345',
      }),
    );
    expect(out).toContain('kept');
    for (const s of ['"no"', '"position":4', receiptHash, 'tok-123456', 'r-abcdef', 'k-1', '[1,2]', 'ABCD2345']) expect(out).not.toContain(s);
  });

  it('masks long hex and base64url strings anywhere in free text (hashes, tokens)', () => {
    const out = redact(`bad receipt ${receiptHash} and token Xk9_aZ3-qQ7wE1rT5yU8iO2pL4sD6fG0hJ`) as string;
    expect(out).not.toContain(receiptHash);
    expect(out).not.toContain('Xk9_aZ3-qQ7wE1rT5yU8iO2pL4sD6fG0hJ');
    expect(out).toContain('bad receipt');
    // Names made of words are not opaque: a constraint name says what failed.
    expect(redact('violates unique constraint "ballot_pending_receipt_hash_unique"')).toContain('ballot_pending_receipt_hash_unique');
  });

  it('reads through errors and their causes', () => {
    const err = new Error(failed, { cause: new Error(`duplicate key (receipt_hash)=(${receiptHash})`) });
    const out = JSON.stringify(redact({ err }));
    expect(out).toContain('Failed query');
    expect(out).not.toContain(receiptHash);
    expect(out).not.toContain('"yes"');
  });

  it('every logger passes through it: the JSON logger and any logger given to the app', () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (writes.push(String(s)), true));
    try {
      createLogger('debug').error(failed, { err: failed });
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).not.toContain(receiptHash);
    const seen: string[] = [];
    const inner: Logger = { error: (m, f) => void seen.push(m, JSON.stringify(f)), warn: () => {}, info: () => {}, debug: () => {} };
    withRedaction(inner).error('socket handler failed', { err: failed });
    expect(seen.join(' ')).not.toContain(receiptHash);
    expect(seen.join(' ')).not.toContain('yes');
  });
});
