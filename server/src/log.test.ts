import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger, pinoOptions, redact, redactText, withRedaction, type LogSink } from './log.ts';

/** A pino destination that keeps the lines written to it. */
function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

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

  it('every logger passes through it: the pino logger and any logger given to the app', () => {
    const { lines, stream } = capture();
    createLogger('debug', stream).error(failed, { err: failed });
    expect(lines.join('')).toContain('Failed query');
    expect(lines.join('')).not.toContain(receiptHash);
    const seen: string[] = [];
    const inner: LogSink = { error: (m, f) => void seen.push(m, JSON.stringify(f)), warn: () => {}, info: () => {}, debug: () => {} };
    withRedaction(inner).error('socket handler failed', { err: failed });
    // A sink without child loggers still gets the bindings, redacted too.
    withRedaction(inner).child({ meetingId: 'm-1', token: 'tok-999' }).error('x', { choice: 'yes' });
    expect(seen.join(' ')).not.toContain(receiptHash);
    expect(seen.join(' ')).not.toContain('yes');
    expect(seen.join(' ')).toContain('"meetingId":"m-1"');
    expect(seen.join(' ')).not.toContain('tok-999');
  });

  it("keeps an error's stack, with its message cleaned", () => {
    const { lines, stream } = capture();
    createLogger('debug', stream).error('socket handler failed', { err: new Error(failed) });
    const line = JSON.parse(lines[0]!) as { level: string; msg: string; err: { message: string; stack: string } };
    expect(line.level).toBe('error');
    expect(line.msg).toBe('socket handler failed');
    expect(line.err.stack).toMatch(/\n\s+at .*log\.test\.ts/);
    expect(line.err.stack).toContain('params: [redacted]');
    expect(lines[0]).not.toContain(receiptHash);
    expect(lines[0]).not.toContain('"yes"');
  });

  it('child loggers carry their bindings on every line', () => {
    const { lines, stream } = capture();
    const log = createLogger('info', stream).child({ reqId: 'r-1' }).child({ meetingId: '0f54ecdb-a479-4a2f-8d2a-c1e7f99d4c46' });
    log.info('one');
    log.debug('below the level');
    log.warn('two', { n: 2 });
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ reqId: 'r-1', meetingId: '0f54ecdb-a479-4a2f-8d2a-c1e7f99d4c46' });
  });

  it("cleans URLs' query values and secret fields pino sees (its redact paths as a second line)", () => {
    expect(redactText('GET /signin?token=abc&x=1 failed')).toBe('GET /signin?token=[redacted]&x=[redacted] failed');
    const { lines, stream } = capture();
    createLogger('info', stream).info('request', { url: '/setup?token=s3cr3t', req: { headers: { cookie: 'yishi_session=abc' } } });
    expect(lines[0]).toContain('/setup?token=[redacted]');
    // pino alone, without the value-level pass: its paths catch the known names.
    pino(pinoOptions('info'), stream).info(
      { req: { headers: { cookie: 'yishi_session=abc' } }, receiptHash: 'short', ballot: { choice: 'yes' } },
      'raw',
    );
    for (const l of lines) for (const s of ['s3cr3t', 'yishi_session=abc', 'short', 'yes']) expect(l).not.toContain(s);
    expect(lines).toHaveLength(2);
  });

  it('message text is never read as a format string', () => {
    const { lines, stream } = capture();
    createLogger('info', stream).info('100%s done %d', { n: 1 });
    expect(JSON.parse(lines[0]!).msg).toBe('100%s done %d');
  });
});
