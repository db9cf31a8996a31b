import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { agendaRoom } from '@yishi/protocol';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';
import { agendaItem, synced, yjsProvider } from '../support/yjs.ts';

const title = (doc: Y.Doc, i: number) => (doc.getArray<Y.Map<unknown>>('items').get(i)?.get('title') as Y.Text | undefined)?.toString() ?? '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The agenda over two real instances with Redis and PostgreSQL (issue 10): an editor on each,
 * one instance killed mid-edit, its editor reconnecting to the other with nothing lost that the
 * other editor had seen; then a Redis restart, after which edits flow again within seconds.
 */
describe('the agenda across two instances', () => {
  let servers: TwoInstances;
  let a: ServerProcess;
  let b: ServerProcess;
  let a2: ServerProcess | null = null;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let room: string;
  const providers: WebsocketProvider[] = [];
  const track = (p: WebsocketProvider) => (providers.push(p), p);

  beforeAll(async () => {
    servers = await startTwoInstances({ AUTH_RATE_PER_MINUTE: '100000' });
    ({ a, b } = servers);
    c = await setUpCouncil(b.url, b.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '议程', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });
    room = agendaRoom(m.id);
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    await a2?.stop();
    await servers?.stop();
  });

  /** Rebuilds the document from the database alone. */
  const fromDatabase = async () => {
    const doc = new Y.Doc();
    for (const r of await servers.db.sql('SELECT snapshot FROM yjs_docs WHERE room = $1 AND snapshot IS NOT NULL', [room]))
      Y.applyUpdate(doc, r.snapshot);
    for (const r of await servers.db.sql('SELECT "update" FROM yjs_updates WHERE room = $1 ORDER BY seq', [room])) Y.applyUpdate(doc, r.update);
    return doc;
  };

  it('keeps every edit the other editor saw when an instance is killed mid-edit', async () => {
    // The admin edits on A, the facilitator on B.
    const onA = track(yjsProvider(a.url, room, c.admin.cookie));
    const onB = track(yjsProvider(b.url, room, c.facilitator.cookie));
    await Promise.all([synced(onA), synced(onB)]);
    onA.doc.getArray('items').push([agendaItem('a', 'A:')]);
    onB.doc.getArray('items').push([agendaItem('b', 'B:')]);
    const t0 = Date.now();
    await waitFor(() => onA.doc.getArray('items').length === 2 && onB.doc.getArray('items').length === 2, 10_000, 'both items on both');
    console.log(`two items crossed instances in ${Date.now() - t0} ms`);

    // Both type, five characters a second each; A dies in the middle.
    const typeInto = (p: WebsocketProvider, id: string, stop: () => boolean) =>
      (async () => {
        for (let i = 0; !stop(); i++) {
          const items = p.doc.getArray<Y.Map<unknown>>('items');
          const item = items.toArray().find((m) => m.get('id') === id)!;
          const t = item.get('title') as Y.Text;
          t.insert(t.length, String(i % 10));
          await sleep(200);
        }
      })();
    let stopA = false;
    let stopB = false;
    const typingA = typeInto(onA, 'a', () => stopA);
    const typingB = typeInto(onB, 'b', () => stopB);
    await sleep(3_000);
    await a.crash();
    // What B's editor has seen of A's editor's typing at the moment A died.
    const seenOnB = title(
      onB.doc,
      onB.doc
        .getArray<Y.Map<unknown>>('items')
        .toArray()
        .findIndex((m) => m.get('id') === 'a'),
    );
    expect(seenOnB.length).toBeGreaterThan(3);
    // Stored before relayed: all of it is in the database already, before A's editor comes back.
    const stored = await fromDatabase();
    const storedA = stored
      .getArray<Y.Map<unknown>>('items')
      .toArray()
      .find((m) => m.get('id') === 'a')!;
    expect((storedA.get('title') as Y.Text).toString().startsWith(seenOnB)).toBe(true);
    await sleep(1_000);
    stopA = true;
    await typingA;

    // A's editor reconnects to B, keeping its document (and what it typed meanwhile).
    onA.destroy();
    const moved = track(yjsProvider(b.url, room, c.admin.cookie, onA.doc));
    await synced(moved);
    stopB = true;
    await typingB;
    const ids = (d: Y.Doc) => d.getArray<Y.Map<unknown>>('items').map((m) => `${m.get('id')}=${(m.get('title') as Y.Text).toString()}`);
    await waitFor(() => JSON.stringify(ids(moved.doc)) === JSON.stringify(ids(onB.doc)), 15_000, 'the two editors to agree');
    const finalA = ids(moved.doc).find((s) => s.startsWith('a='))!;
    expect(finalA.slice(2).startsWith(seenOnB)).toBe(true);
    // The database holds it all.
    await waitFor(async () => JSON.stringify(ids(await fromDatabase())) === JSON.stringify(ids(onB.doc)), 10_000, 'the database to hold it all');
  });

  it('lets edits flow between instances again within seconds of a Redis restart', async () => {
    a2 = await startServerProcess({ DATABASE_URL: servers.db.url, REDIS_URL: servers.redis.url, AUTH_RATE_PER_MINUTE: '100000' });
    const onA = track(yjsProvider(a2.url, room, c.admin.cookie));
    const onB = track(yjsProvider(b.url, room, c.facilitator.cookie));
    await Promise.all([synced(onA), synced(onB)]);
    await servers.redis.stop();
    await servers.redis.start();
    const restarted = Date.now();
    // Keep typing on A until B has the latest character (what was sent while Redis was away the
    // database brings once the instances see Redis again).
    let n = 0;
    await waitFor(
      async () => {
        const t = onA.doc.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text;
        t.insert(t.length, `r${n++}`);
        await sleep(250);
        return title(onB.doc, 0) === t.toString();
      },
      20_000,
      'an edit on A to reach B after the Redis restart',
    );
    const healedMs = Date.now() - restarted;
    console.log(`edits flowed again ${healedMs} ms after Redis restarted`);
    expect(healedMs).toBeLessThan(10_000);
    expect(title(onB.doc, 0)).toBe(title(onA.doc, 0));
  });
});
