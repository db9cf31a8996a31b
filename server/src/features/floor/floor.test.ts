import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FloorView, MeetingId } from '@yishi/protocol';
import { DEFAULT_FLOOR_LIMITS } from '@yishi/protocol/constants';
import { ApiClient, connected, emit, viewOf } from '../../../../test/support/client.ts';
import { setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import { adminOfAnotherCouncil } from '../../../../test/support/in-process.ts';

/**
 * The floor (issue 11) in one embedded instance: each event by role (member, resident allowed or
 * not, secretary, facilitator, another council's member), a point of order jumping the queue,
 * the timer in the view, and every refusal typed with nothing changed.
 */
describe('the floor: speaker queue and timers', () => {
  let setup: PollMeeting;
  let meetingId: MeetingId;
  let fac: JoinedSocket;
  let mem: JoinedSocket;
  let mem2: JoinedSocket;
  let sec: JoinedSocket;
  let res: JoinedSocket;
  let strangerClient: ApiClient;
  let memberId: string;
  let member2Id: string;

  const item = { itemId: null };
  const floorOf = (j: JoinedSocket): FloorView | undefined => viewOf(j.views, meetingId, 'floor')?.data;
  /** The record itself, not a snapshot: "nothing changed" is read from the database. */
  const stored = () => setup.app.services.store.floor.read(meetingId, '');
  const waitView = (j: JoinedSocket, check: (v: FloorView) => boolean, what: string) =>
    waitFor(
      () => {
        const v = floorOf(j);
        return v && check(v) ? v : undefined;
      },
      5000,
      what,
    );

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    const { c, app } = setup;
    meetingId = (await setup.newMeeting('十二月议事会')).id as MeetingId;
    const { joinCode } = await c.facilitator.ok('GET', `/api/meetings/${meetingId}`);
    const second = await setup.addMember('赵委员');
    member2Id = second.id;
    memberId = c.memberId;
    const s = await c.admin.ok('POST', '/api/council/members', { name: '孙记录', groupId: c.council.groups[0].id, role: 'secretary' });
    const secretary = new ApiClient(app.url);
    await secretary.ok('POST', '/api/auth/link', { token: s.link.url.split('/signin/')[1] });
    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '刘阿姨' });
    strangerClient = await adminOfAnotherCouncil(app);

    fac = await setup.open(c.facilitator, meetingId);
    mem = await setup.open(c.member, meetingId);
    mem2 = await setup.open(second.client, meetingId);
    sec = await setup.open(secretary, meetingId);
    res = await setup.open(resident, meetingId);
    expect((await emit(fac.s, 'meeting:transition', { meetingId, to: 'live' })).ok).toBe(true);
  }, 60_000);
  afterAll(() => setup?.dispose());

  it('gives everyone in the meeting the floor view on join, with the default limits and the server clock', async () => {
    for (const j of [fac, mem, res]) {
      const v = floorOf(j)!;
      expect(v).toMatchObject({ itemId: null, closed: false, residentsMaySpeak: false, limits: DEFAULT_FLOOR_LIMITS, current: null, queue: [] });
      expect(Math.abs(v.serverTime - Date.now())).toBeLessThan(5_000);
    }
    const clock = await emit(res.s, 'floor:clock', { meetingId });
    expect(clock.ok && Math.abs(clock.data.serverTime - Date.now())).toBeLessThan(2_000);
  });

  it('lets a member raise a hand; a resident only once the facilitator allows residents to speak', async () => {
    const raised = await emit(mem.s, 'floor:raise', { meetingId, ...item, kind: 'speak' });
    expect(raised.ok).toBe(true);
    expect(await emit(res.s, 'floor:raise', { meetingId, ...item, kind: 'question' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await stored()).rows.filter((r) => r.state === 'waiting')).toHaveLength(1);
    // Residents may not change the rules, nor may members or the secretary.
    for (const j of [res, mem, sec]) {
      expect(await emit(j.s, 'floor:settings', { meetingId, residentsMaySpeak: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect((await emit(fac.s, 'floor:settings', { meetingId, residentsMaySpeak: true, limits: { speak: 120 } })).ok).toBe(true);
    const r = await emit(res.s, 'floor:raise', { meetingId, ...item, kind: 'question' });
    expect(r.ok).toBe(true);
    const v = await waitView(mem, (v) => v.queue.length === 2 && v.residentsMaySpeak, 'both hands in the view');
    expect(v.queue.map((h) => h.speaker)).toEqual([
      { kind: 'member', memberId, name: '张业主', groupId: setup.c.council.groups[2].id },
      { kind: 'resident', residentId: expect.any(String), name: '刘阿姨' },
    ]);
    expect(v.limits.speak).toBe(120);
  });

  it('lets the secretary ask to speak but not run the floor; members neither; another council nothing', async () => {
    expect((await emit(sec.s, 'floor:raise', { meetingId, ...item, kind: 'reply' })).ok).toBe(true);
    const before = await stored();
    const head = before.rows.find((r) => r.state === 'waiting')!.id;
    for (const j of [sec, mem, res]) {
      for (const [event, payload] of [
        ['floor:call', { meetingId, ...item }],
        ['floor:remove', { meetingId, requestId: head }],
        ['floor:reorder', { meetingId, ...item, order: [head] }],
        ['floor:close', { meetingId, ...item, closed: true }],
        ['floor:end', { meetingId }],
        ['floor:add', { meetingId, ...item, kind: 'speak', person: { kind: 'guest', name: '访客' } }],
      ] as const) {
        expect(await emit(j.s, event, payload), `${event}`).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    }
    const stranger = await setup.open(strangerClient, meetingId).catch((e: Error) => e);
    expect(stranger).toBeInstanceOf(Error); // cannot even join
    const s = strangerClient.socket();
    await connected(s);
    expect(await emit(s, 'floor:raise', { meetingId, ...item, kind: 'speak' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(s, 'floor:call', { meetingId, ...item })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(s, 'floor:clock', { meetingId })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await emit(s, 'view:get', { meetingId, kind: 'floor' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    s.close();
    expect((await stored()).rows).toEqual(before.rows);
  });

  it('puts a point of order at the top, and the facilitator calls it, then the rest in order, with timers', async () => {
    const poo = await emit(mem2.s, 'floor:raise', { meetingId, ...item, kind: 'point_of_order' });
    if (!poo.ok) throw new Error(JSON.stringify(poo));
    let v = await waitView(fac, (v) => v.queue[0]?.id === poo.data.requestId, 'the point of order on top');
    expect(v.queue.map((h) => h.kind)).toEqual(['point_of_order', 'speak', 'question', 'reply']);

    const called = await emit(fac.s, 'floor:call', { meetingId, ...item });
    expect(called).toEqual({ ok: true, data: { requestId: poo.data.requestId } });
    v = await waitView(res, (v) => v.current?.id === poo.data.requestId, 'the speech under way');
    expect(v.current).toMatchObject({ kind: 'point_of_order', durationSeconds: DEFAULT_FLOOR_LIMITS.point_of_order, speaker: { name: '赵委员' } });
    expect(Math.abs(v.current!.startedAt - v.serverTime)).toBeLessThan(5_000);

    // Any hand, not only the head: the resident's question; the point of order ends and goes on record.
    const resHand = v.queue.find((h) => h.speaker.kind === 'resident')!;
    expect((await emit(fac.s, 'floor:call', { meetingId, ...item, requestId: resHand.id })).ok).toBe(true);
    v = await waitView(mem, (v) => v.current?.id === resHand.id, 'the resident speaking');
    expect(v.current!.durationSeconds).toBe(DEFAULT_FLOOR_LIMITS.question);
    expect(v.record.map((r) => [r.speaker.name, r.kind])).toEqual([['赵委员', 'point_of_order']]);
    // Balance: the first group has spoken (赵委员); the resident speaks now; the member's group waits unheard.
    const row = (g: string) => v.balance.find((b) => b.group === g)!;
    expect(row(setup.c.council.groups[0].id)).toMatchObject({ spoken: 1 });
    expect(row('residents')).toMatchObject({ spoken: 1, waiting: 0, unheard: false });
    expect(row(setup.c.council.groups[2].id)).toMatchObject({ spoken: 0, waiting: 1, unheard: true });

    expect((await emit(fac.s, 'floor:end', { meetingId })).ok).toBe(true);
    v = await waitView(mem, (v) => v.current === null && v.record.length === 2, 'the speech ended');
    expect(v.record[1]).toMatchObject({ kind: 'question', limitSeconds: 60, speaker: { kind: 'resident' } });
  });

  it('lets the facilitator add people in the room, reorder, remove, and close the list', async () => {
    const guest = await emit(fac.s, 'floor:add', { meetingId, ...item, kind: 'speak', person: { kind: 'guest', name: '街道办小陈' } });
    const m2 = await emit(fac.s, 'floor:add', { meetingId, ...item, kind: 'question', person: { kind: 'member', memberId: member2Id } });
    if (!guest.ok || !m2.ok) throw new Error('add failed');
    let v = await waitView(fac, (v) => v.queue.length === 4, 'four waiting');
    const order = [...v.queue.map((h) => h.id)].reverse();
    expect((await emit(fac.s, 'floor:reorder', { meetingId, ...item, order })).ok).toBe(true);
    v = await waitView(fac, (v) => v.queue[0]?.id === order[0], 'the new order');
    expect(v.queue.map((h) => h.id)).toEqual(order);
    expect((await emit(fac.s, 'floor:remove', { meetingId, requestId: guest.data.requestId })).ok).toBe(true);
    expect((await emit(fac.s, 'floor:close', { meetingId, ...item, closed: true })).ok).toBe(true);
    v = await waitView(mem, (v) => v.closed && v.queue.length === 3, 'closed, three waiting');
    expect(v.queue.some((h) => h.id === guest.data.requestId)).toBe(false);
    expect(await emit(res.s, 'floor:raise', { meetingId, ...item, kind: 'speak' })).toMatchObject({ ok: false, error: { code: 'floor_closed' } });
    expect((await emit(fac.s, 'floor:close', { meetingId, ...item, closed: false })).ok).toBe(true);
  });

  it('refuses bad input with a typed error and changes nothing', async () => {
    const mine = (await stored()).rows.find((r) => r.state === 'waiting' && r.speaker.kind === 'member' && r.speaker.memberId === memberId)!;
    const before = await stored();
    const refusals: [JoinedSocket, Parameters<typeof emit>[1], unknown, string][] = [
      [mem, 'floor:raise', { meetingId, ...item, kind: 'speak' }, 'already_in_queue'],
      [mem, 'floor:raise', { meetingId, itemId: 'another-item', kind: 'speak' }, 'not_current_item'],
      [mem, 'floor:raise', { meetingId, ...item, kind: 'filibuster' }, 'invalid_input'],
      [mem, 'floor:raise', { meetingId, itemId: 'no such item', kind: 'speak' }, 'invalid_input'],
      [mem2, 'floor:lower', { meetingId, requestId: mine.id }, 'forbidden'],
      [res, 'floor:lower', { meetingId, requestId: mine.id }, 'forbidden'],
      [mem, 'floor:lower', { meetingId, requestId: '00000000-0000-4000-8000-000000000000' }, 'not_found'],
      [fac, 'floor:remove', { meetingId, requestId: '00000000-0000-4000-8000-000000000000' }, 'not_found'],
      [fac, 'floor:call', { meetingId, ...item, requestId: '00000000-0000-4000-8000-000000000000' }, 'not_found'],
      [fac, 'floor:end', { meetingId }, 'not_found'],
      [fac, 'floor:reorder', { meetingId, ...item, order: [mine.id] }, 'conflict'],
      [fac, 'floor:add', { meetingId, ...item, kind: 'speak', person: { kind: 'guest', name: ' \u200b ' } }, 'invalid_input'],
      [
        fac,
        'floor:add',
        { meetingId, ...item, kind: 'speak', person: { kind: 'member', memberId: '00000000-0000-4000-8000-000000000000' } },
        'not_a_member',
      ],
      [fac, 'floor:settings', { meetingId, limits: { speak: 5 } }, 'invalid_input'],
      [fac, 'floor:settings', { meetingId, limits: { speak: 100_000 } }, 'invalid_input'],
    ];
    for (const [j, event, payload, code] of refusals) {
      expect(await emit(j.s, event, payload), `${event} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code } });
    }
    expect((await stored()).rows).toEqual(before.rows);
    expect((await stored()).rules).toEqual(before.rules);
    // Its owner lowers it.
    expect((await emit(mem.s, 'floor:lower', { meetingId, requestId: mine.id })).ok).toBe(true);
    await waitView(res, (v) => !v.queue.some((h) => h.id === mine.id), 'the lowered hand gone');
  });

  it("follows the agenda's current item: each item has its own list, and a page on another item is refused", async () => {
    const { store } = setup.app.services;
    // The agenda's documents are not wired into main's AgendaService yet (noDocuments), so the move is made at its store.
    const move = async (current: string | null) => {
      const run = await store.agenda.run(meetingId);
      await store.agenda.move(meetingId, run.version, setup.c.facilitatorId as never, () => ({
        current,
        stages: new Map(),
        log: { action: 'test' },
      }));
    };
    const general = floorOf(mem)!;
    await move('item-a');
    expect(await emit(mem.s, 'floor:raise', { meetingId, itemId: null, kind: 'speak' })).toMatchObject({
      ok: false,
      error: { code: 'not_current_item' },
    });
    const raised = await emit(mem.s, 'floor:raise', { meetingId, itemId: 'item-a', kind: 'question' });
    expect(raised.ok).toBe(true);
    // A move made at the store (not through services.agenda) pushes no floor view: ask until the
    // answer is no longer the snapshot cached before the move (floor-agenda.test.ts: real moves push it).
    const fetchFloor = (itemId: string | null) =>
      waitFor(
        async () => {
          const r = await emit(mem.s, 'view:get', { meetingId, kind: 'floor' });
          return r.ok && r.data.view.kind === 'floor' && r.data.view.data.itemId === itemId ? r.data.view.data : undefined;
        },
        5000,
        `the floor of ${itemId}`,
      );
    const onA = await fetchFloor('item-a');
    expect(onA).toMatchObject({ itemId: 'item-a', closed: false, record: [] });
    expect(onA.queue.map((h) => h.kind)).toEqual(['question']);
    // Back to no current item: the meeting's own list is as it was.
    await move(null);
    const back = await fetchFloor(null);
    expect(back.queue.map((h) => h.id)).toEqual(general.queue.map((h) => h.id));
  });

  it('refuses every change once the meeting is closed', async () => {
    expect((await emit(fac.s, 'meeting:transition', { meetingId, to: 'closed' })).ok).toBe(true);
    const before = await stored();
    expect(await emit(mem.s, 'floor:raise', { meetingId, ...item, kind: 'speak' })).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    expect(await emit(fac.s, 'floor:call', { meetingId, ...item })).toMatchObject({ ok: false, error: { code: 'meeting_closed' } });
    expect((await stored()).rows).toEqual(before.rows);
  });
});
