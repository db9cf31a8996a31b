import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTES_MAP, NOTES_OUTCOME, notesRoom, YJS_CLOSE, type AgendaView, type MeetingId } from '@yishi/protocol';
import { ApiClient, emit, viewOf, type YishiClientSocket } from '../../../../test/support/client.ts';
import { rollCallMembersMotion, setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { meetingLog } from '../../storage/schema.ts';
import { hubDocs } from './hub-docs.ts';
import { editNotesInProcess } from './notes-edit-fixture.ts';

/**
 * The room run by the agenda, in process: the moves (who may, in which meeting state, from which
 * version, to which item: typed refusals that change nothing), discussion times, stages that
 * follow attached polls, the outcome line in the notes, accepted proposals, and the agenda view
 * everyone in the meeting follows.
 */
describe('the agenda', () => {
  let setup: PollMeeting;
  let c: PollMeeting['c'];
  let secretary: ApiClient;
  const extra: YishiClientSocket[] = [];

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    c = setup.c;
    secretary = (await setup.addMember('陈记录', 'secretary')).client;
  });
  afterAll(async () => {
    for (const s of extra) s.close();
    await setup?.dispose();
  });

  const docs = () => hubDocs(setup.app.services.docs);
  /** Items written into the agenda document as an editor would, through the server's copy. */
  const addItems = async (meetingId: string, titles: string[], kind: 'discussion' | 'decision' = 'discussion') => {
    const ids: string[] = [];
    for (const title of titles) {
      const id = randomUUID();
      ids.push(id);
      await docs().appendItem(meetingId as MeetingId, { id, title, details: '', kind, minutes: 10, presenter: '', links: [] });
    }
    return ids;
  };
  const agendaOf = (j: JoinedSocket, meetingId: string): AgendaView | undefined => viewOf(j.views, meetingId, 'agenda')?.data;
  const runOf = async (meetingId: string) => setup.app.services.store.agenda.run(meetingId as MeetingId);
  const live = async (fac: JoinedSocket, meetingId: string) =>
    expect(await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).toMatchObject({ ok: true });
  const refused = (code: string) => ({ ok: false, error: { code } });
  const motion = (meetingId: string, agendaItemId: string | null, title = '表决') => ({
    meetingId,
    title,
    ...rollCallMembersMotion,
    agendaItemId,
  });

  it('lets only the facilitator and the admin run it, only in a live meeting, from the version shown, to an item of the agenda', async () => {
    const m = await setup.newMeeting('权限');
    const [a] = await addItems(m.id, ['开场']);
    const fac = await setup.open(c.facilitator, m.id);
    const adm = await setup.open(c.admin, m.id);
    const mem = await setup.open(c.member, m.id);
    const sec = await setup.open(secretary, m.id);
    const resident = new ApiClient(setup.app.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '刘阿姨' });
    const res = await setup.open(resident, m.id);

    // Not live yet: refused, nothing stored.
    expect(await emit(fac.s, 'agenda:goto', { meetingId: m.id, itemId: a, expectedVersion: 0 })).toMatchObject(refused('meeting_not_live'));
    expect(await emit(fac.s, 'agenda:next', { meetingId: m.id, expectedVersion: 0 })).toMatchObject(refused('meeting_not_live'));
    expect((await runOf(m.id)).version).toBe(0);
    await live(fac, m.id);

    for (const who of [mem, sec, res]) {
      expect(await emit(who.s, 'agenda:goto', { meetingId: m.id, itemId: a, expectedVersion: 0 })).toMatchObject(refused('forbidden'));
      expect(await emit(who.s, 'agenda:next', { meetingId: m.id, expectedVersion: 0 })).toMatchObject(refused('forbidden'));
      expect(await emit(who.s, 'agenda:previous', { meetingId: m.id, expectedVersion: 0 })).toMatchObject(refused('forbidden'));
      expect(await emit(who.s, 'agenda:defer', { meetingId: m.id, itemId: a, expectedVersion: 0 })).toMatchObject(refused('forbidden'));
    }
    expect(await emit(fac.s, 'agenda:goto', { meetingId: m.id, itemId: 'no-such-item', expectedVersion: 0 })).toMatchObject(refused('unknown_item'));
    expect(await emit(fac.s, 'agenda:defer', { meetingId: m.id, itemId: 'no-such-item', expectedVersion: 0 })).toMatchObject(refused('unknown_item'));
    expect(await emit(fac.s, 'agenda:previous', { meetingId: m.id, expectedVersion: 0 })).toMatchObject({ ok: true }); // from none: the last item
    expect(await emit(fac.s, 'agenda:goto', { meetingId: m.id, itemId: 'has space', expectedVersion: 1 })).toMatchObject(refused('invalid_input'));
    expect(await emit(fac.s, 'agenda:goto', { meetingId: m.id, itemId: a })).toMatchObject(refused('invalid_input'));
    // Stale: the version moved on.
    expect(await emit(adm.s, 'agenda:goto', { meetingId: m.id, itemId: null, expectedVersion: 0 })).toMatchObject(refused('conflict'));
    expect(await runOf(m.id)).toMatchObject({ version: 1, currentItemId: a });
    expect(await emit(adm.s, 'agenda:goto', { meetingId: m.id, itemId: null, expectedVersion: 1 })).toMatchObject({
      ok: true,
      data: { version: 2, currentItemId: null },
    });
    // Of another meeting: the version and items are its own; closed: refused.
    const other = await setup.newMeeting('另一场');
    const facOther = await setup.open(c.facilitator, other.id);
    expect(await emit(facOther.s, 'agenda:goto', { meetingId: other.id, itemId: a, expectedVersion: 0 })).toMatchObject(refused('meeting_not_live'));
    await live(facOther, other.id);
    expect(await emit(facOther.s, 'agenda:goto', { meetingId: other.id, itemId: a, expectedVersion: 0 })).toMatchObject(refused('unknown_item'));
    expect(await emit(fac.s, 'meeting:transition', { meetingId: m.id, to: 'closed' })).toMatchObject({ ok: true });
    expect(await emit(fac.s, 'agenda:goto', { meetingId: m.id, itemId: a, expectedVersion: 2 })).toMatchObject(refused('meeting_closed'));
    expect((await runOf(m.id)).version).toBe(2);
  });

  it('advances through the items, timing each discussion, logging each move; everyone in the meeting follows it in the view', async () => {
    const m = await setup.newMeeting('推进');
    const [a, b, cc] = await addItems(m.id, ['通报', '讨论', '表决']);
    const fac = await setup.open(c.facilitator, m.id);
    const resident = new ApiClient(setup.app.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '刘阿姨' });
    const res = await setup.open(resident, m.id);
    // The join may bring a snapshot computed while the items were still being written (views are
    // coalesced); the push that follows brings all three.
    await waitFor(() => agendaOf(res, m.id)?.items.length === 3, 2_000, 'the three items in the view');
    expect(agendaOf(res, m.id)?.items.map((i) => [i.title, i.stage])).toEqual([
      ['通报', 'pending'],
      ['讨论', 'pending'],
      ['表决', 'pending'],
    ]);
    await live(fac, m.id);

    const move = async (event: 'agenda:next' | 'agenda:previous', version: number) => {
      const r = await emit(fac.s, event, { meetingId: m.id, expectedVersion: version });
      if (!r.ok) throw new Error(JSON.stringify(r));
      // The resident's view follows within a second.
      const at = Date.now();
      await waitFor(() => agendaOf(res, m.id)?.runVersion === r.data.version, 1_000, `${event} in the view`);
      expect(Date.now() - at).toBeLessThan(1_000);
      return r.data;
    };
    expect(await move('agenda:next', 0)).toEqual({ version: 1, currentItemId: a });
    await new Promise((r) => setTimeout(r, 50));
    expect(await move('agenda:next', 1)).toEqual({ version: 2, currentItemId: b });
    let view = agendaOf(res, m.id)!;
    const [ia, ib] = view.items;
    expect(ia).toMatchObject({ stage: 'discussing', resumedAt: null });
    expect(ia!.spentMs).toBeGreaterThanOrEqual(40);
    expect(ia!.endedAt! - ia!.startedAt!).toBe(ia!.spentMs);
    expect(ib).toMatchObject({ stage: 'discussing', endedAt: null, spentMs: 0 });
    expect(ib!.resumedAt).toBe(ib!.startedAt);
    expect(Math.abs(view.serverNow - Date.now())).toBeLessThan(5_000);
    expect(view.currentItemId).toBe(b);

    // Deferring the current item ends it; next from none: the first item not yet handled.
    const d = await emit(fac.s, 'agenda:defer', { meetingId: m.id, itemId: b, expectedVersion: 2 });
    expect(d).toMatchObject({ ok: true, data: { version: 3, currentItemId: null } });
    expect(await emit(fac.s, 'agenda:defer', { meetingId: m.id, itemId: b, expectedVersion: 3 })).toMatchObject(refused('stage_not_allowed'));
    expect(await move('agenda:next', 3)).toEqual({ version: 4, currentItemId: a });
    expect(await move('agenda:next', 4)).toEqual({ version: 5, currentItemId: b });
    expect(agendaOf(res, m.id)!.items[1]).toMatchObject({ stage: 'discussing' }); // taken up again
    expect(await move('agenda:next', 5)).toEqual({ version: 6, currentItemId: cc });
    expect(await move('agenda:previous', 6)).toEqual({ version: 7, currentItemId: b });
    expect(await move('agenda:next', 7)).toEqual({ version: 8, currentItemId: cc });
    expect(await move('agenda:next', 8)).toEqual({ version: 9, currentItemId: null }); // past the last item
    view = agendaOf(res, m.id)!;
    expect(view.items.every((i) => i.resumedAt === null && i.endedAt !== null)).toBe(true);

    const log = await setup.app.services.store.db.select().from(meetingLog).where(eq(meetingLog.meetingId, m.id));
    expect(log.filter((l) => l.action.startsWith('agenda.')).map((l) => l.action)).toEqual([
      'agenda.next',
      'agenda.next',
      'agenda.defer',
      'agenda.next',
      'agenda.next',
      'agenda.next',
      'agenda.previous',
      'agenda.next',
      'agenda.next',
    ]);
  });

  it('follows a poll attached to an item: voting while open, decided with its outcome once closed, the outcome line in the notes', async () => {
    const m = await setup.newMeeting('表决');
    const [item, other] = await addItems(m.id, ['加装电梯', '停车'], 'decision');
    const fac = await setup.open(c.facilitator, m.id);
    const mem = await setup.open(c.member, m.id);
    await live(fac, m.id);
    expect(await emit(fac.s, 'poll:create', motion(m.id, 'no-such-item'))).toMatchObject(refused('unknown_item'));
    expect(await emit(fac.s, 'poll:create', motion(m.id, 'bad id!?\n'))).toMatchObject(refused('invalid_input'));
    expect(await setup.app.services.store.polls.listForMeeting(m.id as MeetingId)).toEqual([]);

    const created = await emit(fac.s, 'poll:create', motion(m.id, item!, '是否加装电梯'));
    if (!created.ok) throw new Error(JSON.stringify(created));
    const pollId = created.data.poll.definition.id;
    expect(created.data.poll.agendaItemId).toBe(item);
    const itemView = () => agendaOf(mem, m.id)?.items.find((i) => i.id === item);
    await waitFor(() => itemView()?.polls.length === 1, 2_000, 'the poll on its item');
    expect(itemView()).toMatchObject({ stage: 'pending', polls: [{ pollId, title: '是否加装电梯', state: 'draft' }], decisions: [] });

    expect(await emit(fac.s, 'poll:open', { pollId })).toMatchObject({ ok: true });
    await waitFor(() => itemView()?.stage === 'voting', 2_000, 'voting');
    // An item being voted on cannot be deferred; the other can.
    const v = agendaOf(mem, m.id)!.runVersion;
    expect(await emit(fac.s, 'agenda:defer', { meetingId: m.id, itemId: item, expectedVersion: v })).toMatchObject(refused('stage_not_allowed'));
    expect(await emit(mem.s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() })).toMatchObject({
      ok: true,
    });
    expect(await emit(fac.s, 'poll:close', { pollId })).toMatchObject({ ok: true });
    await waitFor(() => itemView()?.stage === 'decided', 2_000, 'decided');
    expect(itemView()!.decisions).toEqual([{ pollId, title: '是否加装电梯', outcomes: [{ electorate: 'members', kind: 'passed', labels: [] }] }]);
    expect(agendaOf(mem, m.id)!.items.find((i) => i.id === other)!.stage).toBe('pending');
    // Going back to a decided item keeps it decided; deferring it is refused.
    expect(await emit(fac.s, 'agenda:goto', { meetingId: m.id, itemId: item, expectedVersion: v })).toMatchObject({ ok: true });
    await waitFor(() => agendaOf(mem, m.id)?.currentItemId === item, 2_000, 'current');
    expect(itemView()!.stage).toBe('decided');
    expect(await emit(fac.s, 'agenda:defer', { meetingId: m.id, itemId: item, expectedVersion: v + 1 })).toMatchObject(refused('stage_not_allowed'));

    // The outcome line, written by the server into the item's notes, once.
    const outcomeLines = () =>
      setup.app.services.docs.read(notesRoom(m.id), (doc) => {
        const f = doc.getMap<Y.XmlFragment>(NOTES_MAP).get(item!);
        return (f?.toArray() ?? [])
          .filter((n): n is Y.XmlElement => n instanceof Y.XmlElement && n.nodeName === NOTES_OUTCOME)
          .map((n) => ({
            pollId: n.getAttribute('pollId'),
            title: n.getAttribute('title'),
            outcomes: JSON.parse(n.getAttribute('outcomes') ?? 'null'),
            text: n.toArray().join(''),
          }));
      });
    await waitFor(async () => (await outcomeLines()).length === 1, 2_000, 'the outcome line');
    expect(await outcomeLines()).toEqual([
      { pollId, title: '是否加装电梯', outcomes: [{ electorate: 'members', kind: 'passed', labels: [] }], text: '是否加装电梯' },
    ]);
    await setup.app.services.agenda.pollChanged(await setup.app.services.store.polls.get(pollId));
    expect(await outcomeLines()).toHaveLength(1);

    // An editor's update that deletes or changes the line is refused (the documents' shape check), and nothing changes.
    for (const edit of [
      (el: Y.XmlElement) => (el.parent as Y.XmlFragment).delete(0, 1),
      (el: Y.XmlElement) => el.setAttribute('outcomes', '[]'),
      (el: Y.XmlElement) => (el.get(0) as Y.XmlText).insert(0, '否决'),
    ]) {
      const closed = await editNotesInProcess(setup.app.services.docs, m.id, (notes) => edit(notes.get(item!)!.get(0) as Y.XmlElement));
      expect(closed).toEqual([YJS_CLOSE.shape]);
      expect(await outcomeLines()).toEqual([
        { pollId, title: '是否加装电梯', outcomes: [{ electorate: 'members', kind: 'passed', labels: [] }], text: '是否加装电梯' },
      ]);
    }
  });

  it('puts an accepted proposal into the agenda document; the proposer sees it accepted', async () => {
    const m = await setup.newMeeting('采纳');
    const mem = await setup.open(c.member, m.id);
    const sec = await setup.open(secretary, m.id);
    const p = await emit(mem.s, 'agenda:propose', { meetingId: m.id, title: '垃圾分类', details: '试点两栋楼', kind: 'discussion', minutes: 15 });
    if (!p.ok) throw new Error(JSON.stringify(p));
    expect(await emit(mem.s, 'agenda:accept', { proposalId: p.data.proposal.id })).toMatchObject(refused('forbidden'));
    const accepted = await emit(sec.s, 'agenda:accept', { proposalId: p.data.proposal.id });
    if (!accepted.ok) throw new Error(JSON.stringify(accepted));
    const itemId = accepted.data.proposal.itemId!;
    expect(accepted.data.proposal.state).toBe('accepted');
    expect((await docs().items(m.id as MeetingId)).map((i) => [i.id, i.title, i.details, i.kind, i.minutes, i.presenter])).toEqual([
      [itemId, '垃圾分类', '试点两栋楼', 'discussion', 15, '张业主'],
    ]);
    await waitFor(() => agendaOf(mem, m.id)?.items.length === 1, 2_000, 'the item in the view');
    expect(await emit(sec.s, 'agenda:accept', { proposalId: p.data.proposal.id })).toMatchObject(refused('proposal_decided'));
    expect(await docs().items(m.id as MeetingId)).toHaveLength(1);
    const mine = await emit(mem.s, 'agenda:proposals', { meetingId: m.id });
    expect(mine.ok && mine.data.proposals.map((x) => [x.state, x.itemId])).toEqual([['accepted', itemId]]);
  });

  it('recomputes the view when the document changes, coalesced', async () => {
    const m = await setup.newMeeting('编辑');
    const mem = await setup.open(c.member, m.id);
    const pushes: number[] = [];
    mem.s.on('view', (v) => {
      if (v.kind === 'agenda' && v.meetingId === m.id) pushes.push(v.version);
    });
    const ids = await addItems(
      m.id,
      Array.from({ length: 20 }, (_, i) => `议题 ${i + 1}`),
    );
    await waitFor(() => agendaOf(mem, m.id)?.items.length === 20, 2_000, 'all twenty items');
    // Twenty changes in quick succession: a few pushes, not twenty.
    expect(pushes.length).toBeLessThan(10);
    await setup.app.services.docs.change(`meetings/${m.id}/agenda`, (doc) => {
      const first = doc.getArray<Y.Map<unknown>>('items').get(0);
      (first.get('title') as Y.Text).insert(0, '新');
    });
    await waitFor(() => agendaOf(mem, m.id)?.items[0]?.title === '新议题 1', 2_000, 'the edited title');
    expect(agendaOf(mem, m.id)!.items.map((i) => i.id)).toEqual(ids);
  });
});
