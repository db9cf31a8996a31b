import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFreshDatabase, type TestDatabase } from '../../../test/support/postgres.ts';
import { waitFor } from '../../../test/support/ports.ts';
import { createLogger, withRedaction, type LogFields } from '../log.ts';
import { openDatabase } from '../storage/database.ts';
import { createStore, type Store } from '../storage/store.ts';
import { Scheduler } from './scheduler.ts';

/** The scheduler over a real database: failures are logged with their stack and retried, never swallowed. */
describe('Scheduler', () => {
  let pg: TestDatabase;
  let store: Store;
  const lines: { level: string; msg: string; fields?: LogFields }[] = [];
  const sink = (level: string) => (msg: string, fields?: LogFields) => void lines.push({ level, msg, fields });
  const log = withRedaction({ error: sink('error'), warn: sink('warn'), info: sink('info'), debug: sink('debug') });

  beforeAll(async () => {
    pg = await createFreshDatabase();
    store = createStore(await openDatabase({ DATA_DIR: '/nonexistent', DATABASE_URL: pg.url }, createLogger('error')));
  });
  afterAll(async () => {
    await store?.close();
    await pg?.drop();
  });

  it('logs a failing handler with its stack, retries it, and deletes the deadline once handled', async () => {
    const scheduler = new Scheduler(store.deadlines, log, { instanceId: 'test', pollMs: 60_000 });
    const calls: string[] = [];
    scheduler.register('test.flaky', async (subject) => {
      calls.push(subject);
      if (calls.length === 1) throw new Error('database went away');
    });
    expect(() => scheduler.register('test.flaky', async () => {})).toThrow(/already registered/);
    await store.deadlines.set('test.flaky', 's-1', new Date(Date.now() - 1_000));

    // Two passes asked for at once share one: the handler runs once.
    await Promise.all([scheduler.runDue(), scheduler.runDue()]);
    expect(calls).toEqual(['s-1']);
    const failed = lines.find((l) => l.msg === 'deadline handler failed; retried later');
    expect(failed?.level).toBe('error');
    expect(failed?.fields).toMatchObject({ deadline: 'test.flaky', subject: 's-1', attempts: 1, retryInMs: 1_000 });
    expect((failed?.fields?.err as { stack: string }).stack).toMatch(/database went away\n\s+at .*scheduler\.test\.ts/);
    expect(await store.deadlines.get('test.flaky', 's-1')).toMatchObject({ claimed: false, attempts: 1 });

    await waitFor(async () => (await scheduler.runDue(), calls.length === 2), 10_000, 'the retry');
    expect(await store.deadlines.get('test.flaky', 's-1')).toBeUndefined();
    expect(lines.find((l) => l.msg === 'deadline handled')?.fields).toMatchObject({ deadline: 'test.flaky', subject: 's-1', completed: true });
  });

  it('leaves a kind it has no handler for to an instance that has one', async () => {
    const scheduler = new Scheduler(store.deadlines, log, { instanceId: 'old-version', pollMs: 60_000 });
    await store.deadlines.set('test.unknown', 's-2', new Date(Date.now() - 1_000));
    await scheduler.runDue();
    expect(lines.some((l) => l.level === 'warn' && l.fields?.deadline === 'test.unknown')).toBe(true);
    const row = await store.deadlines.get('test.unknown', 's-2');
    expect(row).toMatchObject({ claimed: false });
    expect(row!.dueAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
  });

  it('runs on its own once started, and stop() waits for the deadline being handled', async () => {
    const scheduler = new Scheduler(store.deadlines, log, { instanceId: 'timer', pollMs: 50 });
    let started = false;
    let finished = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    scheduler.register('test.timer', async () => {
      started = true;
      await gate;
      finished = true;
    });
    await store.deadlines.set('test.timer', 's-3', new Date(Date.now() - 1_000));
    scheduler.start();
    await waitFor(() => started, 10_000, 'the handler to start');
    const stopped = scheduler.stop().then(() => 'stopped');
    // stop() is still waiting while the handler runs.
    expect(await Promise.race([stopped, new Promise((r) => setImmediate(() => r('waiting')))])).toBe('waiting');
    release();
    expect(await stopped).toBe('stopped');
    expect(finished).toBe(true);
    expect(await store.deadlines.get('test.timer', 's-3')).toBeUndefined();
  });
});
