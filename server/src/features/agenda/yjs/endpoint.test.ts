import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import type { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { agendaRoom, notesRoom, YJS_CLOSE } from '@yishi/protocol';
import { ApiClient } from '../../../../../test/support/client.ts';
import { setUpCouncil } from '../../../../../test/support/council.ts';
import { startInProcess } from '../../../../../test/support/in-process.ts';
import { waitFor } from '../../../../../test/support/ports.ts';
import { agendaItem, isRaw, itemTitles, rawYjs, synced, yjsProvider, type RawYjs } from '../../../../../test/support/yjs.ts';

/**
 * The y-websocket endpoint with the stock provider from npm, and every hostile case of issue 10:
 * each refused, the server up, and the other clients seeing nothing of it.
 */
describe('the Yjs endpoint', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let meetingId: string;
  let resident: ApiClient;
  const providers: WebsocketProvider[] = [];
  const raws: RawYjs[] = [];
  const track = (p: WebsocketProvider) => (providers.push(p), p);
  const raw = async (room: string, cookie: string, origin?: string | null) => {
    const r = await rawYjs(app.url, room, cookie, origin === undefined ? app.url : origin);
    if (isRaw(r)) raws.push(r);
    return r;
  };
  const rawOpen = async (room: string, cookie: string) => {
    const r = await raw(room, cookie);
    if (!isRaw(r)) throw new Error(`refused: ${r.status}`);
    return r;
  };

  // The facilitator's provider watches every case: it must never see anything of them.
  let watcher: WebsocketProvider;
  let watcherNotes: WebsocketProvider;
  const serverTitles = () => app.services.docs.read(agendaRoom(meetingId), itemTitles);
  /** What the agenda holds after the honest edits of the first test. */
  let expected = ['停车位'];
  /** A secretary with a session of their own (each test's handshakes count against its own session's limit). */
  const newEditor = async () => {
    const m = await c.admin.ok('POST', '/api/council/members', { name: '记录员', groupId: c.council.groups[0].id, role: 'secretary' });
    const client = new ApiClient(app.url);
    await client.ok('POST', '/api/auth/link', { token: m.link.url.split('/signin/')[1] });
    return client;
  };

  beforeAll(async () => {
    app = await startInProcess();
    c = await setUpCouncil(app.url, app.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '议程', startsAt: '2026-12-01T19:00:00+08:00', place: '', mode: 'hybrid' });
    meetingId = m.id;
    resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '居民甲' });
    watcher = track(yjsProvider(app.url, agendaRoom(meetingId), c.facilitator.cookie));
    watcherNotes = track(yjsProvider(app.url, notesRoom(meetingId), c.facilitator.cookie));
    await Promise.all([synced(watcher), synced(watcherNotes)]);
    watcher.doc.getArray('items').push([agendaItem('item-1', '停车位')]);
    // (An awareness state at clock 0, a provider's first, is news to no one: y-protocols keeps states from clock 1.)
    watcher.awareness.setLocalStateField('cursor', null);
    await waitFor(async () => (await serverTitles()).join() === '停车位', 20_000, 'the first item on the server');
  });
  afterAll(async () => {
    for (const p of providers) p.destroy();
    for (const r of raws) r.ws.terminate();
    await app?.dispose();
  });

  const healthy = async () => {
    const r = await fetch(`${app.url}/healthz`);
    expect(r.status).toBe(200);
  };
  /** Nothing changed anywhere: the server's copy and the watcher's are as before. */
  const unchanged = async () => {
    await new Promise((r) => setTimeout(r, 200));
    expect(await serverTitles()).toEqual(itemTitles(watcher.doc));
    expect(itemTitles(watcher.doc)).toEqual(expected);
    // Only the notes container the server made for the one item (notes-containers.test.ts).
    expect([...watcherNotes.doc.getMap('notes').keys()]).toEqual(['item-1']);
    await healthy();
  };

  it('syncs a stock provider as an editor and as a reader, and the server sets who is who in awareness', async () => {
    const admin = track(yjsProvider(app.url, agendaRoom(meetingId), c.admin.cookie));
    const member = track(yjsProvider(app.url, agendaRoom(meetingId), c.member.cookie));
    const res = track(yjsProvider(app.url, agendaRoom(meetingId), resident.cookie));
    await Promise.all([synced(admin), synced(member), synced(res)]);
    for (const p of [admin, member, res]) expect(itemTitles(p.doc)).toEqual(['停车位']);

    // An editor's edit reaches every reader; the title's Y.Text merges concurrent typing.
    (admin.doc.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text).insert(3, '（地下）');
    for (const p of [watcher, member, res]) await expect.poll(() => itemTitles(p.doc)).toEqual(['停车位（地下）']);
    expect(await serverTitles()).toEqual(['停车位（地下）']);
    expected = ['停车位（地下）'];

    // The admin claims to be someone else: the others see the admin's own name.
    admin.awareness.setLocalStateField('user', { name: '张业主', color: '#000' });
    admin.awareness.setLocalStateField('cursor', { item: 'item-1' });
    await expect
      .poll(() => (watcher.awareness.getStates().get(admin.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name)
      .toBe('王主任');
    expect(watcher.awareness.getStates().get(admin.doc.clientID)).toMatchObject({ cursor: { item: 'item-1' } });
    // A reader's awareness goes nowhere.
    member.awareness.setLocalStateField('user', { name: '张业主' });
    await new Promise((r) => setTimeout(r, 200));
    expect(watcher.awareness.getStates().has(member.doc.clientID)).toBe(false);
  });

  it('refuses a foreign Origin and a missing session before the upgrade', async () => {
    expect(await raw(agendaRoom(meetingId), c.facilitator.cookie, 'http://evil.example')).toEqual({ status: 403 });
    expect(await raw(agendaRoom(meetingId), '')).toEqual({ status: 401 });
    expect(await raw(agendaRoom(meetingId), 'yishi_session=forged')).toEqual({ status: 401 });
    expect(await raw(`meetings/${meetingId}/minutes`, c.facilitator.cookie)).toEqual({ status: 404 });
    expect(await raw(agendaRoom('00000000-0000-4000-8000-000000000000'), c.facilitator.cookie)).toEqual({ status: 404 });
    await unchanged();
  });

  it('lets a resident read the agenda but refuses them the notes', async () => {
    expect(await raw(notesRoom(meetingId), resident.cookie)).toEqual({ status: 403 });
    const member = await rawOpen(notesRoom(meetingId), c.member.cookie);
    expect(member.ws.readyState).toBe(member.ws.OPEN);
    await unchanged();
  });

  it('drops a write from a resident or a plain member, tells them, and relays nothing', async () => {
    for (const [cookie, room] of [
      [resident.cookie, agendaRoom(meetingId)],
      [c.member.cookie, agendaRoom(meetingId)],
      [c.member.cookie, notesRoom(meetingId)],
    ] as const) {
      const r = await rawOpen(room, cookie);
      const doc = new Y.Doc();
      if (room.endsWith('agenda')) doc.getArray('items').push([agendaItem('evil', '不该出现')]);
      else doc.getMap('notes').set('item-1', new Y.XmlFragment());
      r.sendUpdate(Y.encodeStateAsUpdate(doc));
      await expect.poll(() => r.denials()).toEqual(['read-only']);
      expect(r.ws.readyState).toBe(r.ws.OPEN);
    }
    // The stock provider as a reader that edits locally: the same.
    const p = track(yjsProvider(app.url, agendaRoom(meetingId), c.member.cookie));
    await synced(p);
    p.doc.getArray('items').push([agendaItem('evil-2', '也不该')]);
    await unchanged();
  });

  it('closes a 10 MB message, leaving the others alone', async () => {
    const editor = await newEditor();
    const r = await rawOpen(agendaRoom(meetingId), editor.cookie);
    r.send(new Uint8Array(10 * 1024 * 1024));
    expect((await r.closed).code).toBe(1009);
    await unchanged();
  });

  it('closes a truncated update and random bytes', async () => {
    const doc = new Y.Doc();
    doc.getArray('items').push([agendaItem('trunc', '截断')]);
    const whole = Y.encodeStateAsUpdate(doc);
    const cases = [whole.slice(0, whole.length - 3), new Uint8Array(0), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])];
    let seed = 7;
    for (let i = 0; i < 8; i++) {
      const bytes = new Uint8Array(40 + i * 13);
      for (let k = 0; k < bytes.length; k++) bytes[k] = (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
      cases.push(bytes);
    }
    // yjs issue 687's run-length bombs (v2 bytes sent as v1) and a zero-length update (issue 498).
    cases.push(Uint8Array.from(Buffer.from('00010000000001000100010200001602000001fdffffffff7f0000', 'hex')));
    const editor = await newEditor();
    for (const bytes of cases) {
      const r = await rawOpen(agendaRoom(meetingId), editor.cookie);
      r.sendUpdate(bytes);
      const { code } = await r.closed;
      // An empty update is nothing at all: only the bad ones close.
      if (bytes.length > 0) expect([YJS_CLOSE.malformed, YJS_CLOSE.shape]).toContain(code);
      else r.ws.terminate();
    }
    // Garbage where a message type should be.
    const r = await rawOpen(agendaRoom(meetingId), editor.cookie);
    r.send(Uint8Array.from([9, 9, 9]));
    expect((await r.closed).code).toBe(YJS_CLOSE.malformed);
    await unchanged();
  });

  it('closes a valid update that breaks the shape', async () => {
    const server = Y.encodeStateAsUpdate(await app.services.docs.read(agendaRoom(meetingId), (d) => d));
    const attempts: ((doc: Y.Doc) => void)[] = [
      (d) => d.getArray('items').push(['a plain string']),
      (d) => d.getArray('items').push([new Y.Map(Object.entries({ id: 'x', title: new Y.Text('no details') }))]),
      (d) => (d.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text).insert(0, 'x'.repeat(201)),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).set('kind', 'party'),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).delete('title'),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).set('minutes', '10'),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).set('position', 'V'.repeat(65)),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).set('position', 'V/1'),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).set('position', ''),
      (d) => d.getArray<Y.Map<unknown>>('items').get(0).set('position', 0.5),
      (d) => d.getMap('evil').set('x', 1),
      (d) => (d.getArray<Y.Map<unknown>>('items').get(0).get('title') as Y.Text).format(0, 2, { bold: true }),
      (d) =>
        d.getArray('items').insert(
          0,
          Array.from({ length: 200 }, (_, i) => agendaItem(`n${i}`, `${i}`)),
        ),
    ];
    const editor = await newEditor();
    for (const attempt of attempts) {
      const r = await rawOpen(agendaRoom(meetingId), editor.cookie);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, server);
      const before = Y.encodeStateVector(doc);
      attempt(doc);
      r.sendUpdate(Y.encodeStateAsUpdate(doc, before));
      const closed = await r.closed;
      expect(closed.code, String(attempt)).toBe(YJS_CLOSE.shape);
    }
    await unchanged();
  });

  it('rewrites an awareness state claiming another name and ignores one for another client', async () => {
    const r = await rawOpen(agendaRoom(meetingId), c.admin.cookie);
    const fake = new awarenessProtocol.Awareness(new Y.Doc());
    fake.setLocalState({ user: { name: '李主持', color: '#f00' }, note: 'hi' });
    r.sendAwareness(awarenessProtocol.encodeAwarenessUpdate(fake, [fake.clientID]));
    await expect.poll(() => (watcher.awareness.getStates().get(fake.clientID) as { user: { name: string } } | undefined)?.user.name).toBe('王主任');
    // Speaking for the watcher's own client id: ignored.
    const enc = encoding.createEncoder();
    encoding.writeVarUint(enc, 1);
    encoding.writeVarUint(enc, watcher.doc.clientID);
    encoding.writeVarUint(enc, 9999);
    encoding.writeVarString(enc, JSON.stringify({ user: { name: 'x' } }));
    r.sendAwareness(encoding.toUint8Array(enc));
    const reader = track(yjsProvider(app.url, agendaRoom(meetingId), c.member.cookie));
    await synced(reader);
    await expect.poll(() => reader.awareness.getStates().get(watcher.doc.clientID)).toBeDefined();
    expect(reader.awareness.getStates().get(watcher.doc.clientID)).toMatchObject({ user: { name: '李主持' } });
    r.ws.close();
    await expect.poll(() => watcher.awareness.getStates().has(fake.clientID)).toBe(false);
    await unchanged();
  });
});
