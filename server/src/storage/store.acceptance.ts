import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GroupId, MeetingId, MemberId, PollDefinition, PollId } from '@yishi/protocol';
import { hashToken, newToken } from '../auth/tokens.ts';
import { POLL_CLOSE } from './deadlines.ts';
import { deadlineAcceptance } from './deadlines.acceptance.ts';
import { joinCodeAcceptance } from './join-codes.acceptance.ts';
import type { Store } from './store.ts';

/**
 * One acceptance suite for every storage driver: each driver's test file calls this with a
 * fresh, empty store. If a driver passes it, the server works on it.
 */
/** A roll-call motion for members, simple majority of ballots cast (the id is set by each case). */
const motion = (title: string) =>
  ({
    kind: 'motion',
    title,
    eligibility: 'members',
    secrecy: 'roll_call',
    results: 'live',
    rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } },
  }) as const satisfies Omit<PollDefinition, 'id'>;

export function runStoreAcceptance(driver: string, open: () => Promise<{ store: Store; dispose(): Promise<void> }>): void {
  describe(`storage on ${driver}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      ({ store, dispose } = await open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    let councilId: string;
    let adminId: MemberId;

    it('needs setup until the first council exists, and the setup token is stable across instances', async () => {
      expect(await store.councils.needsSetup()).toBe(true);
      const t1 = await store.councils.ensureSetupToken('first-token-aaaaaaaaaaaaaaaa');
      const t2 = await store.councils.ensureSetupToken('second-token-bbbbbbbbbbbbbbb');
      expect(t1).toBe('first-token-aaaaaaaaaaaaaaaa');
      expect(t2).toBe(t1);
    });

    it('refuses a wrong setup token and changes nothing', async () => {
      await expect(store.councils.setup('wrong-token-cccccccccccccccc', 'X', 'Y')).rejects.toMatchObject({ code: 'forbidden' });
      expect(await store.councils.needsSetup()).toBe(true);
    });

    it('sets up the council with the six default groups and an admin, once', async () => {
      const r = await store.councils.setup('first-token-aaaaaaaaaaaaaaaa', '幸福里社区议事会', '王主任');
      councilId = r.councilId;
      adminId = r.adminId;
      const c = await store.councils.get(r.councilId);
      expect(c.name).toBe('幸福里社区议事会');
      expect(c.groups.map((g) => g.builtin)).toEqual([
        'residents_committee',
        'owners_committee',
        'property_management',
        'social_organisations',
        'local_units',
        'residents',
      ]);
      expect(c.members).toEqual([expect.objectContaining({ name: '王主任', role: 'admin' })]);
      await expect(store.councils.setup('first-token-aaaaaaaaaaaaaaaa', 'Again', 'Z')).rejects.toMatchObject({ code: 'setup_done' });
      expect(await store.councils.ensureSetupToken('x')).toBeNull();
    });

    it('manages groups: add, rename (becomes custom), and refuses to delete a group with members', async () => {
      await store.councils.createGroup(councilId as never, '志愿者');
      let c = await store.councils.get(councilId as never);
      const added = c.groups.at(-1)!;
      expect(added).toMatchObject({ name: '志愿者', builtin: null, position: 6 });
      await store.councils.renameGroup(councilId as never, c.groups[2]!.id, 'Property Co.');
      c = await store.councils.get(councilId as never);
      expect(c.groups[2]).toMatchObject({ name: 'Property Co.', builtin: null });
      await expect(store.councils.deleteGroup(councilId as never, c.groups[0]!.id)).rejects.toMatchObject({ code: 'group_not_empty' });
      await store.councils.deleteGroup(councilId as never, added.id);
      c = await store.councils.get(councilId as never);
      expect(c.groups).toHaveLength(6);
    });

    it('keeps councils apart: a group of another council cannot be used or renamed', async () => {
      const other = await store.councils.create('Other council', 'Other admin');
      const otherCouncil = await store.councils.get(other.councilId);
      await expect(
        store.councils.createMember(councilId as never, { name: 'X', groupId: otherCouncil.groups[0]!.id, role: 'member' }, 'h1'),
      ).rejects.toMatchObject({ code: 'invalid_input' });
      await expect(store.councils.renameGroup(councilId as never, otherCouncil.groups[0]!.id, 'hijack')).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(store.councils.updateMember(councilId as never, other.adminId, { role: 'member' })).rejects.toMatchObject({
        code: 'not_found',
      });
      // Not 'conflict' for a group of theirs that has members: it does not exist for this council.
      const occupied = otherCouncil.members[0]!.groupId;
      await expect(store.councils.deleteGroup(councilId as never, occupied)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('finds members by sign-in link until the link is replaced or revoked', async () => {
      const c = await store.councils.get(councilId as never);
      const token = newToken();
      const id = await store.councils.createMember(
        councilId as never,
        { name: '李主持', groupId: c.groups[1]!.id as GroupId, role: 'facilitator' },
        hashToken(token),
      );
      expect((await store.councils.memberByLinkHash(hashToken(token)))?.id).toBe(id);
      const token2 = newToken();
      await store.councils.setLinkTokenHash(councilId as never, id, hashToken(token2));
      expect(await store.councils.memberByLinkHash(hashToken(token))).toBeUndefined();
      expect((await store.councils.memberByLinkHash(hashToken(token2)))?.id).toBe(id);
      await store.councils.setLinkTokenHash(councilId as never, id, null);
      expect(await store.councils.memberByLinkHash(hashToken(token2))).toBeUndefined();
    });

    it('keeps logins unique, case-insensitively', async () => {
      await store.councils.setPassword(adminId, 'Wang', 'scrypt$x$y');
      expect((await store.councils.memberByLogin('WANG'))?.id).toBe(adminId);
      const c = await store.councils.get(councilId as never);
      const other = c.members.find((m) => m.id !== adminId)!;
      await expect(store.councils.setPassword(other.id, 'wang', 'scrypt$a$b')).rejects.toMatchObject({ code: 'conflict' });
    });

    let meetingId: MeetingId;

    it('creates a meeting in draft with a readable join code', async () => {
      meetingId = await store.meetings.create(
        councilId as never,
        { title: '电梯加装议题', startsAt: '2026-12-01T19:00:00+08:00', place: '社区活动室', mode: 'hybrid' },
        adminId,
      );
      const m = await store.meetings.get(meetingId);
      expect(m).toMatchObject({ state: 'draft', mode: 'hybrid', councilName: '幸福里社区议事会', version: 1 });
      expect(m.joinCode).toMatch(/^[2-9A-HJKMNP-Z]{6}$/);
      expect((await store.meetings.byJoinCode(m.joinCode))?.id).toBe(meetingId);
      expect(await store.meetings.list(councilId as never)).toHaveLength(1);
    });

    it('moves a meeting only along its life cycle, bumping the version each time', async () => {
      await expect(store.meetings.transition(meetingId, 'closed', adminId)).rejects.toMatchObject({ code: 'invalid_transition' });
      const scheduled = await store.meetings.transition(meetingId, 'scheduled', adminId);
      expect(scheduled).toMatchObject({ state: 'scheduled', version: 2 });
      await expect(store.meetings.transition(meetingId, 'live', adminId, 1)).rejects.toMatchObject({ code: 'conflict' });
      const live = await store.meetings.transition(meetingId, 'live', adminId, 2);
      expect(live).toMatchObject({ state: 'live', version: 3 });
    });

    it('lets only one of two simultaneous transitions from the same state win', async () => {
      const results = await Promise.allSettled([
        store.meetings.transition(meetingId, 'adjourned', adminId),
        store.meetings.transition(meetingId, 'adjourned', adminId),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await store.meetings.get(meetingId)).state).toBe('adjourned');
      await store.meetings.transition(meetingId, 'live', adminId);
    });

    it('records attendance in the room, last mark wins', async () => {
      const c = await store.councils.get(councilId as never);
      const other = c.members.find((m) => m.id !== adminId)!;
      await store.meetings.markAttendance(meetingId, other.id, true, adminId);
      await store.meetings.markAttendance(meetingId, adminId, true, adminId);
      await store.meetings.markAttendance(meetingId, adminId, false, adminId);
      expect([...(await store.meetings.inRoomMemberIds(meetingId))]).toEqual([other.id]);
    });

    it("records members' connections: arrival, departure, heartbeat, and departs an instance's all at once", async () => {
      const a = await store.attendance.arrive(meetingId, adminId, 'instance-a');
      const b = await store.attendance.arrive(meetingId, adminId, 'instance-b');
      let { now, rows } = await store.attendance.connections(meetingId);
      expect(rows.filter((r) => r.departedAt === null)).toHaveLength(2);
      expect(Math.abs(now - rows[0]!.arrivedAt)).toBeLessThan(60_000);
      await store.attendance.depart(a, true);
      await store.attendance.depart(a, false); // once departed, stays so
      await store.attendance.heartbeat('instance-b');
      ({ rows } = await store.attendance.connections(meetingId));
      expect(rows.find((r) => r.departedAt !== null)).toMatchObject({ deliberate: true });
      await store.attendance.departAll('instance-b');
      ({ rows } = await store.attendance.connections(meetingId));
      expect(rows.every((r) => r.departedAt !== null)).toBe(true);
      expect(b).not.toBe(a);
    });

    it('counts a member once when a hand count naming them races their online ballot', async () => {
      const { randomUUID } = await import('node:crypto');
      for (let round = 0; round < 5; round++) {
        const pollId = randomUUID() as never;
        const definition = {
          id: pollId,
          kind: 'motion',
          title: '并发',
          eligibility: 'members',
          secrecy: round % 2 ? 'secret' : 'roll_call',
          results: 'live',
          rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' } },
        } as never;
        await store.polls.create({ meetingId, definition, residentAccess: 'voting_code', closesAt: null, agendaItemId: null, createdBy: adminId });
        await store.polls.open(pollId);
        const [room, ballot] = await Promise.allSettled([
          store.polls.setInRoom(
            { pollId, electorate: 'members', ballots: 1, counts: [{ option: 'yes', count: 1 }], voters: [adminId], enteredBy: adminId } as never,
            (votedOnline) => {
              if (votedOnline.has(adminId)) throw new Error('voted_online');
            },
          ),
          store.polls.commitBallots([
            {
              pollId,
              voterKey: `m:${adminId}`,
              voterName: '王主任',
              electorate: 'members',
              idempotencyKey: randomUUID(),
              choice: { kind: 'motion', choice: 'no' },
              secret: round % 2 === 1,
              mixAt: 3,
              newReceiptHash: null,
              changeReceiptHash: null,
            },
          ]),
        ]);
        const roomOk = room.status === 'fulfilled';
        const ballotOk = ballot.status === 'fulfilled' && ballot.value[0]!.ok;
        // Exactly one of them counts the member.
        expect([roomOk, ballotOk].filter(Boolean)).toHaveLength(1);
        expect((await store.polls.inRoom(pollId)).length).toBe(roomOk ? 1 : 0);
        expect((await store.polls.voterCounts(pollId)).members).toBe(1);
      }
    });

    it('keeps polls: a draft opens once, is listed in order, and its closing time becomes a deadline when it opens', async () => {
      const { randomUUID } = await import('node:crypto');
      const pollId = randomUUID() as PollId;
      const definition = { ...motion('议题一'), id: pollId };
      const created = await store.polls.create({
        meetingId,
        definition,
        residentAccess: 'voting_code',
        closesAt: '2099-01-01T00:00:00Z',
        agendaItemId: null,
        createdBy: adminId,
      });
      expect(created).toMatchObject({ state: 'draft', meetingId, residentAccess: 'voting_code', definition: { id: pollId, title: '议题一' } });
      expect(await store.polls.get(pollId)).toEqual(created);
      expect(await store.deadlines.get(POLL_CLOSE, pollId)).toBeUndefined(); // drafts never close by time
      expect((await store.polls.open(pollId)).state).toBe('open');
      await expect(store.polls.open(pollId)).rejects.toMatchObject({ code: 'invalid_transition' });
      expect((await store.deadlines.get(POLL_CLOSE, pollId))?.dueAt.toISOString()).toBe('2099-01-01T00:00:00.000Z');
      expect((await store.polls.openWithClosingTime()).map((p) => p.pollId)).toContain(pollId);
      expect((await store.polls.listForMeeting(meetingId)).at(-1)?.definition.id).toBe(pollId);
      expect(await store.polls.state(pollId)).toBe('open');
      await expect(store.polls.get(randomUUID() as PollId)).rejects.toMatchObject({ code: 'not_found' });
    });

    it('records roll-call ballots once per voter: the same key is unchanged, another key changes the choice', async () => {
      const { randomUUID } = await import('node:crypto');
      const pollId = randomUUID() as PollId;
      await store.polls.create({
        meetingId,
        definition: { ...motion('点名'), id: pollId },
        residentAccess: 'voting_code',
        closesAt: null,
        agendaItemId: null,
        createdBy: adminId,
      });
      const ballot = (voterKey: string, choice: 'yes' | 'no', idempotencyKey: string) => ({
        pollId,
        voterKey,
        voterName: voterKey,
        electorate: 'members' as const,
        idempotencyKey,
        choice: { kind: 'motion' as const, choice },
        secret: false,
        mixAt: 3,
        newReceiptHash: null,
        changeReceiptHash: null,
      });
      // Not open yet: refused, nothing written.
      expect(await store.polls.commitBallots([ballot('m:a', 'yes', 'k1')])).toEqual([{ ok: false, code: 'poll_not_open' }]);
      await store.polls.open(pollId);
      const first = await store.polls.commitBallots([ballot('m:a', 'yes', 'k1'), ballot('m:b', 'no', 'k2'), ballot('m:a', 'yes', 'k1')]);
      expect(first.map((o) => (o.ok ? o.status : o.code))).toEqual(['recorded', 'recorded', 'unchanged']);
      expect((await store.polls.commitBallots([ballot('m:b', 'yes', 'k3')]))[0]).toMatchObject({ ok: true, status: 'changed' });
      expect(await store.polls.voterCounts(pollId)).toMatchObject({ members: 2 });
      expect(await store.polls.rollEntry(pollId, 'm:a')).toEqual({ voted: true, inRoom: false });
      expect(await store.polls.hasVoted(pollId, 'm:c')).toBe(false);
      expect(await store.polls.rollKey(pollId, 'm:a')).toBe('k1');
      const grouped = await store.polls.groupedBallots(pollId);
      expect(grouped).toEqual([{ electorate: 'members', choice: { kind: 'motion', choice: 'yes' }, n: 2 }]);
      expect((await store.polls.namedBallots(pollId)).map((b) => b.name).sort()).toEqual(['m:a', 'm:b']);
    });

    it("issues voting codes found by their hash only, counted as the residents' electorate", async () => {
      const before = await store.polls.residentElectorate(meetingId, 'voting_code');
      await store.polls.issueCodes(
        meetingId,
        [
          { codeHash: hashToken('CODE-ONE'), label: '1号楼' },
          { codeHash: hashToken('CODE-TWO'), label: null },
        ],
        adminId,
      );
      expect(await store.polls.residentElectorate(meetingId, 'voting_code')).toBe(before + 2);
      expect(await store.polls.codeByHash(hashToken('CODE-ONE'))).toMatchObject({ meetingId });
      expect(await store.polls.codeByHash('CODE-ONE')).toBeUndefined();
    });

    it('closes a poll once: the final record, the result and the decision in one transaction', async () => {
      const { randomUUID } = await import('node:crypto');
      const pollId = randomUUID() as PollId;
      await store.polls.create({
        meetingId,
        definition: { ...motion('表决'), id: pollId },
        residentAccess: 'voting_code',
        closesAt: null,
        agendaItemId: null,
        createdBy: adminId,
      });
      await store.polls.open(pollId);
      const cast = (voterKey: string, choice: 'yes' | 'no') => ({
        pollId,
        voterKey,
        voterName: voterKey,
        electorate: 'members' as const,
        idempotencyKey: randomUUID(),
        choice: { kind: 'motion' as const, choice },
        secret: false,
        mixAt: 3,
        newReceiptHash: null,
        changeReceiptHash: null,
      });
      await store.polls.commitBallots([cast('m:x', 'yes'), cast('m:y', 'yes'), cast('m:z', 'no')]);
      const seen: unknown[] = [];
      const { poll } = await store.polls.close(pollId, async (ballots) => {
        seen.push(...ballots);
        return {
          result: { yes: 2, no: 1 },
          title: '表决',
          outcome: [{ electorate: 'members', outcome: null }],
          attendance: { present: 3, members: 3, required: 2 },
        };
      });
      expect(poll.state).toBe('closed');
      expect(seen).toHaveLength(3);
      expect(await store.polls.result(pollId)).toEqual({ yes: 2, no: 1 });
      expect((await store.polls.finalBallots(pollId)).map((b) => b.position)).toEqual([0, 1, 2]);
      expect((await store.polls.decisions(meetingId)).find((d) => d.pollId === pollId)).toMatchObject({
        title: '表决',
        attendance: { present: 3, members: 3, required: 2 },
      });
      await expect(store.polls.close(pollId, async () => ({ result: null, title: '', outcome: [] }))).rejects.toMatchObject({
        code: 'poll_not_open',
      });
      expect(await store.polls.commitBallots([cast('m:w', 'no')])).toEqual([{ ok: false, code: 'poll_not_open' }]);
      expect((await store.polls.decisions(meetingId)).filter((d) => d.pollId === pollId)).toHaveLength(1);
    });

    it('keeps sessions for members and residents, and forgets deleted ones', async () => {
      const residentId = await store.meetings.createResident(meetingId, '楼下的刘阿姨');
      await store.sessions.create('hash-member', { memberId: adminId });
      await store.sessions.create('hash-resident', { residentId });
      expect(await store.sessions.find('hash-member')).toMatchObject({ kind: 'member', memberId: adminId, role: 'admin' });
      expect(await store.sessions.find('hash-resident')).toMatchObject({ kind: 'resident', meetingId, displayName: '楼下的刘阿姨' });
      await store.sessions.deleteForMember(adminId);
      expect(await store.sessions.find('hash-member')).toBeNull();
      expect(await store.sessions.find('nope')).toBeNull();
    });

    it('refuses edits to a closed meeting', async () => {
      await store.meetings.transition(meetingId, 'closed', adminId);
      await expect(store.meetings.update(meetingId, { title: 'changed' })).rejects.toMatchObject({ code: 'meeting_closed' });
      expect((await store.meetings.get(meetingId)).title).toBe('电梯加装议题');
    });

    deadlineAcceptance(() => ({ store, meetingId, adminId }));
    joinCodeAcceptance(() => ({ store, councilId, meetingId, adminId }));
  });
}
