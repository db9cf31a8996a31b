import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, emit, type YishiClientSocket } from '../../../../test/support/client.ts';
import { setUpCouncil } from '../../../../test/support/council.ts';
import { startInProcess } from '../../../../test/support/in-process.ts';
import { createLogger } from '../../log.ts';
import { addAgendaItems } from './agenda-items-fixture.ts';

/**
 * Positions never reach the log (issue 12, privacy): a whole check at debug level, refusals
 * included, and no line carries a level, a reason, or a member's id next to anything of a position.
 */
describe('consensus and the log', () => {
  const lines: string[] = [];
  let app: Awaited<ReturnType<typeof startInProcess>>;
  const sockets: YishiClientSocket[] = [];
  const REASON = '这是一个不应出现在日志里的理由';

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    app = await startInProcess({ LOG_LEVEL: 'debug' }, createLogger('debug', stream));
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('logs no position, reason or level of anyone', async () => {
    const c = await setUpCouncil(app.url, app.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '日志', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const fac = c.facilitator.socket();
    const mem = c.member.socket();
    sockets.push(fac, mem);
    await Promise.all([connected(fac), connected(mem)]);
    await emit(fac, 'meeting:join', { meetingId: m.id });
    await emit(mem, 'meeting:join', { meetingId: m.id });
    // The check's item, in the agenda document as the server writes it.
    await addAgendaItems(app.services.docs, m.id, 'i');
    const opened = await emit(fac, 'consensus:open', { meetingId: m.id, itemId: 'i', proposal: 'p' });
    if (!opened.ok) throw new Error(JSON.stringify(opened));
    const { checkId } = opened.data;
    const set = (level: unknown, reason?: string) =>
      emit(mem, 'consensus:position', { checkId, level, idempotencyKey: randomUUID(), ...(reason ? { reason } : {}) });
    expect(await set(5, REASON)).toMatchObject({ ok: true });
    expect(await set(7)).toMatchObject({ ok: false, error: { code: 'invalid_level' } });
    expect(await set(5)).toMatchObject({ ok: false, error: { code: 'reason_required' } });
    expect(await set('x')).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await set(3)).toMatchObject({ ok: true });
    await emit(fac, 'consensus:record', { checkId });
    await emit(fac, 'consensus:close', { checkId });
    expect(await set(2)).toMatchObject({ ok: false, error: { code: 'check_closed' } });
    await new Promise((r) => setTimeout(r, 500));

    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(REASON);
      expect(line).not.toMatch(/"level"\s*:\s*\d/);
      if (line.includes(c.memberId)) expect(line).not.toMatch(/position|consensus/i);
    }
  });
});
