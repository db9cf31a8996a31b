import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTES_MAP, NOTES_SPEAKERS, notesRoom, YJS_CLOSE, type FloorView, type MeetingId } from '@yishi/protocol';
import { emit, viewOf } from '../../../../test/support/client.ts';
import { setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { hubDocs } from '../agenda/hub-docs.ts';
import { editNotesInProcess } from '../agenda/notes-edit-fixture.ts';

/**
 * The floor following the agenda, in process: a move of the agenda pushes the floor of the new
 * item to everyone without their asking, and an item the room leaves gets its speakers (in order,
 * kind and time taken) in its notes, once, as a line only the server writes.
 */
describe('the floor and the agenda', () => {
  let setup: PollMeeting;
  let meetingId: MeetingId;
  let fac: JoinedSocket;
  let mem: JoinedSocket;
  let a: string;
  let b: string;
  let version = 0;

  const floorOf = (j: JoinedSocket): FloorView | undefined => viewOf(j.views, meetingId, 'floor')?.data;
  const move = async (event: 'agenda:next' | 'agenda:previous') => {
    const r = await emit(fac.s, event, { meetingId, expectedVersion: version });
    if (!r.ok) throw new Error(JSON.stringify(r));
    version = r.data.version;
    return r.data.currentItemId;
  };
  const speakerLines = (itemId: string) =>
    setup.app.services.docs.read(notesRoom(meetingId), (doc) => {
      const f = doc.getMap<Y.XmlFragment>(NOTES_MAP).get(itemId);
      return (f?.toArray() ?? [])
        .filter((n): n is Y.XmlElement => n instanceof Y.XmlElement && n.nodeName === NOTES_SPEAKERS)
        .map((n) => JSON.parse(n.getAttribute('speakers') ?? 'null') as unknown);
    });

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    meetingId = (await setup.newMeeting('议程与发言')).id as MeetingId;
    const docs = hubDocs(setup.app.services.docs);
    [a, b] = [randomUUID(), randomUUID()];
    for (const [id, title] of [
      [a, '加装电梯'],
      [b, '垃圾分类'],
    ] as const)
      await docs.appendItem(meetingId, { id, title, details: '', kind: 'discussion', minutes: 10, presenter: '', links: [] });
    fac = await setup.open(setup.c.facilitator, meetingId);
    mem = await setup.open(setup.c.member, meetingId);
    expect((await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).ok).toBe(true);
  }, 60_000);
  afterAll(() => setup?.dispose());

  it("pushes the new item's floor to a member's socket when the agenda moves, without the page asking", async () => {
    expect(floorOf(mem)?.itemId).toBeNull();
    expect(await move('agenda:next')).toBe(a);
    await waitFor(() => floorOf(mem)?.itemId === a, 3_000, 'the floor of the first item pushed');
    expect(await move('agenda:next')).toBe(b);
    await waitFor(() => floorOf(mem)?.itemId === b, 3_000, 'the floor of the second item pushed');
    expect(await move('agenda:previous')).toBe(a);
    await waitFor(() => floorOf(mem)?.itemId === a, 3_000, 'the floor of the first item again');
  });

  it("writes the item's speakers into its notes when the room leaves it, once, updated if it comes back", async () => {
    // On item a: a question by the member, then a guest speaking.
    expect((await emit(mem.s, 'floor:raise', { meetingId, itemId: a, kind: 'question' })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:add', { meetingId, itemId: a, kind: 'speak', person: { kind: 'guest', name: '街道办小陈' } })).ok).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect((await emit(fac.s, 'floor:call', { meetingId, itemId: a })).ok).toBe(true);
      expect((await emit(fac.s, 'floor:end', { meetingId })).ok).toBe(true);
    }
    expect(await speakerLines(a)).toEqual([]);
    expect(await move('agenda:next')).toBe(b);
    await waitFor(async () => (await speakerLines(a)).length === 1, 3_000, 'the speakers line');
    const [line] = (await speakerLines(a)) as { kind: string; name: string; seconds: number }[][];
    expect(line!.map((s) => [s.kind, s.name])).toEqual([
      ['question', '张业主'],
      ['speak', '街道办小陈'],
    ]);
    for (const s of line!) expect(s.seconds).toBeGreaterThanOrEqual(0);
    // No speeches on b: no line there when the room leaves it.
    expect(await move('agenda:previous')).toBe(a);
    await new Promise((r) => setTimeout(r, 200));
    expect(await speakerLines(b)).toEqual([]);
    // Back on a, one more speech; leaving again updates the one line, never a second.
    expect((await emit(fac.s, 'floor:add', { meetingId, itemId: a, kind: 'reply', person: { kind: 'guest', name: '物业老王' } })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:call', { meetingId, itemId: a })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:end', { meetingId })).ok).toBe(true);
    expect(await move('agenda:next')).toBe(b);
    await waitFor(async () => ((await speakerLines(a))[0] as unknown[] | undefined)?.length === 3, 3_000, 'the speakers line updated');
    expect(await speakerLines(a)).toHaveLength(1);
  });

  it("refuses an editor's change to the speakers line, and nothing changes", async () => {
    const before = await speakerLines(a);
    for (const edit of [
      (el: Y.XmlElement) => (el.parent as Y.XmlFragment).delete(0, 1),
      (el: Y.XmlElement) => el.setAttribute('speakers', '[]'),
      (el: Y.XmlElement) => el.insert(0, [new Y.XmlText('改')]),
      (el: Y.XmlElement) => (el.parent as Y.XmlFragment).push([new Y.XmlElement(NOTES_SPEAKERS)]),
    ]) {
      const closed = await editNotesInProcess(setup.app.services.docs, meetingId, (notes) => {
        const fragment = notes.get(a)!;
        edit(fragment.toArray().find((n) => n instanceof Y.XmlElement && n.nodeName === NOTES_SPEAKERS) as Y.XmlElement);
      });
      expect(closed).toEqual([YJS_CLOSE.shape]);
      expect(await speakerLines(a)).toEqual(before);
    }
  });

  it('writes the line of an item the room left while someone was still speaking, when that speech ends', async () => {
    await waitFor(() => floorOf(mem)?.itemId === b, 3_000, 'on the second item');
    expect((await emit(fac.s, 'floor:add', { meetingId, itemId: b, kind: 'speak', person: { kind: 'guest', name: '居委会小李' } })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:call', { meetingId, itemId: b })).ok).toBe(true);
    expect(await move('agenda:previous')).toBe(a);
    await new Promise((r) => setTimeout(r, 200));
    expect(await speakerLines(b)).toEqual([]);
    expect((await emit(fac.s, 'floor:end', { meetingId })).ok).toBe(true);
    await waitFor(async () => (await speakerLines(b)).length === 1, 3_000, "b's speakers line");
    expect(((await speakerLines(b))[0] as { name: string }[]).map((l) => l.name)).toEqual(['居委会小李']);
  });
  it("writes the current item's speakers into its notes when the meeting closes on it", async () => {
    await waitFor(() => floorOf(mem)?.itemId === a, 3_000, 'on the first item');
    expect((await emit(fac.s, 'floor:add', { meetingId, itemId: a, kind: 'speak', person: { kind: 'guest', name: '社工小周' } })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:call', { meetingId, itemId: a })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:end', { meetingId })).ok).toBe(true);
    const names = async () => (((await speakerLines(a))[0] as { name: string }[] | undefined) ?? []).map((l) => l.name);
    expect(await names()).not.toContain('社工小周');
    expect((await emit(fac.s, 'meeting:transition', { meetingId, to: 'closed' })).ok).toBe(true);
    await waitFor(async () => (await names()).includes('社工小周'), 3_000, "a's speakers line at the close");
    // The room left the item: its discussion ended with the meeting.
    expect(await setup.app.services.agenda.currentItem(meetingId)).toBeNull();
  });
});
