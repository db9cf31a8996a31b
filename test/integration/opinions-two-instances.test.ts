import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCatchUp, applyPush, emptyThread } from '@yishi/domain';
import type { Opinion, Result } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * Threaded opinions on the scale-out topology (two instances, Redis, PostgreSQL): a follower
 * that was offline while 500 entries were posted on both instances catches up on the other
 * instance with each once, in order; live pushes cross instances; kill -9 of one instance loses
 * no acknowledged post, and resends with the same key on the survivor make no duplicate.
 */
describe('opinions across two instances', () => {
  let servers: TwoInstances;
  let meetingId: string;
  let joinCode: string;
  const sockets: YishiClientSocket[] = [];

  async function resident(base: string, name: string): Promise<YishiClientSocket> {
    const api = new ApiClient(base);
    await api.ok('POST', '/api/join', { code: joinCode, displayName: name });
    const s = api.socket({ base, origin: base });
    sockets.push(s);
    await connected(s);
    const r = await emit(s, 'meeting:join', { meetingId });
    if (!r.ok) throw new Error(JSON.stringify(r));
    return s;
  }

  beforeAll(async () => {
    servers = await startTwoInstances({ AUTH_RATE_PER_MINUTE: '100000', OPINION_POSTS_PER_MINUTE: '100000' });
    const setup = await setUpCouncil(servers.a.url, servers.a.setupUrl!);
    const m = await setup.facilitator.ok('POST', '/api/meetings', { title: '意见', startsAt: '2026-12-01T19:00:00+08:00', mode: 'online' });
    meetingId = m.id;
    joinCode = m.joinCode;
    const fac = setup.facilitator.socket();
    sockets.push(fac);
    await connected(fac);
    await emit(fac, 'meeting:join', { meetingId });
    await emit(fac, 'meeting:transition', { meetingId, to: 'scheduled' });
  }, 180_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await servers?.stop();
  });

  it('gives a client offline while 500 entries were posted every one once, in order, on the other instance, then live pushes', async () => {
    // The follower, on B: follows the general thread, then goes offline.
    const follower = await resident(servers.b.url, '离线的人');
    const first = await emit(follower, 'opinions:follow', { meetingId, itemId: null });
    if (!first.ok) throw new Error(JSON.stringify(first));
    const cursor = first.data.cursor;
    follower.close();

    // 10 authors, half on each instance, 50 posts each (replies mixed in), concurrently.
    const authors = await Promise.all(Array.from({ length: 10 }, (_, i) => resident(i % 2 ? servers.a.url : servers.b.url, `作者${i}`)));
    const posted: Opinion[] = [];
    await Promise.all(
      authors.map(async (s, i) => {
        let last: Opinion | null = null;
        for (let k = 0; k < 50; k++) {
          const parentId: string | null = last && k % 5 === 4 ? last.id : null;
          const reply = parentId !== null;
          const r: Result<{ opinion: Opinion }> = await emit(s, 'opinion:post', {
            meetingId,
            itemId: null,
            ...(parentId ? { parentId } : { stance: 'concern' }),
            text: `作者${i} 第${k}条`,
            clientKey: randomUUID(),
          });
          if (!r.ok) throw new Error(JSON.stringify(r));
          posted.push(r.data.opinion);
          if (!reply) last = r.data.opinion;
          // As a phone would: every socket may send 20 events a second after a burst of 40
          // (socket-server.ts). On a fast machine 50 posts acked back to back outran that.
          await new Promise((resolve) => setTimeout(resolve, 55));
        }
      }),
    );
    expect(posted).toHaveLength(500);

    // Back online, on A this time: what it missed since its cursor, page by page.
    const back = await resident(servers.a.url, '回来的人');
    const t = emptyThread();
    t.cursor = cursor;
    const received: Opinion[] = [];
    const pushes: { from: number; to: number }[] = [];
    back.on('opinions:entries', (p) => {
      pushes.push(p);
      if (applyPush(t, p) === 'gap') throw new Error('a gap after catching up');
      received.push(...p.entries);
    });
    let r = await emit(back, 'opinions:follow', { meetingId, itemId: null, after: t.cursor });
    for (;;) {
      if (!r.ok) throw new Error(JSON.stringify(r));
      received.push(...r.data.entries);
      applyCatchUp(t, r.data);
      if (!r.data.more) break;
      r = await emit(back, 'opinions:since', { meetingId, itemId: null, after: t.cursor });
    }
    const ids = received.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(500);
    expect(new Set(ids)).toEqual(new Set(posted.map((o) => o.id)));
    const revs = received.map((o) => o.rev);
    expect(revs).toEqual([...revs].sort((x, y) => x - y));

    // Live again: a post on B reaches it on A within a second or so.
    const late = await emit(authors[0]!, 'opinion:post', { meetingId, itemId: null, stance: 'support', text: '晚到的', clientKey: randomUUID() });
    if (!late.ok) throw new Error(JSON.stringify(late));
    await waitFor(() => t.byId.has(late.data.opinion.id), 10_000, 'the live push across instances');
    expect(received.filter((o) => o.id === late.data.opinion.id)).toHaveLength(1);
  }, 180_000);

  it('loses no acknowledged post when an instance is killed mid-stream; resends on the other make no duplicate', async () => {
    const onB = await resident(servers.b.url, '在B上的人');
    const acked: Opinion[] = [];
    const keys: string[] = [];
    let unacked: { key: string; text: string }[] = [];
    const stream = (async () => {
      for (let k = 0; k < 200; k++) {
        const key = randomUUID();
        keys.push(key);
        const body = { meetingId, itemId: null, stance: 'question', text: `崩溃前后 ${k}`, clientKey: key };
        const r = await Promise.race([
          // emit rejects when the socket drops before the ack (test/support/client.ts): unacknowledged, like the race below.
          (emit(onB, 'opinion:post', body) as Promise<Result<{ opinion: Opinion }>>).catch(() => null),
          new Promise<null>((resolve) => onB.once('disconnect', () => resolve(null))),
        ]);
        if (!r) {
          unacked.push({ key, text: body.text });
          return;
        }
        if (r.ok) acked.push(r.data.opinion);
      }
    })();
    await waitFor(() => acked.length >= 30, 30_000, '30 acknowledged posts');
    await servers.b.crash();
    await stream;
    expect(acked.length).toBeGreaterThanOrEqual(30);

    // The same person (same session cookie) on A resends the one in flight with its key, twice.
    const api = (onB.io.opts.extraHeaders as Record<string, string>).cookie;
    const client = new ApiClient(servers.a.url);
    client.cookie = api ?? '';
    const onA = client.socket({ base: servers.a.url, origin: servers.a.url });
    sockets.push(onA);
    await connected(onA);
    await emit(onA, 'meeting:join', { meetingId });
    for (const u of unacked) {
      for (let i = 0; i < 2; i++) {
        const r = await emit(onA, 'opinion:post', { meetingId, itemId: null, stance: 'question', text: u.text, clientKey: u.key });
        expect(r.ok).toBe(true);
      }
    }
    unacked = unacked.slice();
    // Every acknowledged post is there, read from A (and so from the database).
    const all: Opinion[] = [];
    let after = 0;
    for (;;) {
      const page = await emit(onA, 'opinions:since', { meetingId, itemId: null, after });
      if (!page.ok) throw new Error(JSON.stringify(page));
      all.push(...page.data.entries);
      if (!page.data.more) break;
      after = page.data.entries.at(-1)!.rev;
    }
    const have = new Set(all.map((o) => o.id));
    for (const o of acked) expect(have.has(o.id)).toBe(true);
    const texts = all.filter((o) => o.text?.startsWith('崩溃前后')).map((o) => o.text);
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts.length).toBe(acked.length + unacked.length);
  }, 180_000);
});
