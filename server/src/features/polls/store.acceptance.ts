import { expect, it } from 'vitest';
import type { PollDefinition, PollId } from '@yishi/protocol';
import { hashToken } from '../../auth/tokens.ts';
import { POLL_CLOSE } from '../../storage/deadlines.ts';
import type { StoreCase } from '../../storage/acceptance-context.ts';

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

/** Polls, ballots, voting codes, hand counts, the close; run on each driver by storage/store.acceptance.ts, in order. */
export function pollStoreAcceptance(t: StoreCase): void {
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
      await t.store.polls.create({
        meetingId: t.meetingId,
        definition,
        residentAccess: 'voting_code',
        closesAt: null,
        agendaItemId: null,
        createdBy: t.adminId,
      });
      await t.store.polls.open(pollId);
      const [room, ballot] = await Promise.allSettled([
        t.store.polls.setInRoom(
          { pollId, electorate: 'members', ballots: 1, counts: [{ option: 'yes', count: 1 }], voters: [t.adminId], enteredBy: t.adminId } as never,
          (votedOnline) => {
            if (votedOnline.has(t.adminId)) throw new Error('voted_online');
          },
        ),
        t.store.polls.commitBallots([
          {
            pollId,
            voterKey: `m:${t.adminId}`,
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
      expect((await t.store.polls.inRoom(pollId)).length).toBe(roomOk ? 1 : 0);
      // The meeting-wide reads of the tallies view say the same of this poll.
      expect((await t.store.polls.inRoomOfOpenPolls(t.meetingId)).get(pollId) ?? []).toEqual(await t.store.polls.inRoom(pollId));
      expect((await t.store.polls.groupedBallotsOfOpenPolls(t.meetingId)).get(pollId) ?? []).toEqual(await t.store.polls.groupedBallots(pollId));
      expect((await t.store.polls.voterCounts(pollId)).members).toBe(1);
    }
  });

  it('keeps polls: a draft opens once, is listed in order, and its closing time becomes a deadline when it opens', async () => {
    const { randomUUID } = await import('node:crypto');
    const pollId = randomUUID() as PollId;
    const definition = { ...motion('议题一'), id: pollId };
    const created = await t.store.polls.create({
      meetingId: t.meetingId,
      definition,
      residentAccess: 'voting_code',
      closesAt: '2099-01-01T00:00:00Z',
      agendaItemId: null,
      createdBy: t.adminId,
    });
    expect(created).toMatchObject({
      state: 'draft',
      meetingId: t.meetingId,
      residentAccess: 'voting_code',
      definition: { id: pollId, title: '议题一' },
    });
    expect(await t.store.polls.get(pollId)).toEqual(created);
    expect(await t.store.deadlines.get(POLL_CLOSE, pollId)).toBeUndefined(); // drafts never close by time
    expect((await t.store.polls.open(pollId)).state).toBe('open');
    await expect(t.store.polls.open(pollId)).rejects.toMatchObject({ code: 'invalid_transition' });
    expect((await t.store.deadlines.get(POLL_CLOSE, pollId))?.dueAt.toISOString()).toBe('2099-01-01T00:00:00.000Z');
    expect((await t.store.polls.openWithClosingTime()).map((p) => p.pollId)).toContain(pollId);
    expect((await t.store.polls.listForMeeting(t.meetingId)).at(-1)?.definition.id).toBe(pollId);
    expect(await t.store.polls.state(pollId)).toBe('open');
    await expect(t.store.polls.get(randomUUID() as PollId)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('records roll-call ballots once per voter: the same key is unchanged, another key changes the choice', async () => {
    const { randomUUID } = await import('node:crypto');
    const pollId = randomUUID() as PollId;
    await t.store.polls.create({
      meetingId: t.meetingId,
      definition: { ...motion('点名'), id: pollId },
      residentAccess: 'voting_code',
      closesAt: null,
      agendaItemId: null,
      createdBy: t.adminId,
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
    expect(await t.store.polls.commitBallots([ballot('m:a', 'yes', 'k1')])).toEqual([{ ok: false, code: 'poll_not_open' }]);
    await t.store.polls.open(pollId);
    const first = await t.store.polls.commitBallots([ballot('m:a', 'yes', 'k1'), ballot('m:b', 'no', 'k2'), ballot('m:a', 'yes', 'k1')]);
    expect(first.map((o) => (o.ok ? o.status : o.code))).toEqual(['recorded', 'recorded', 'unchanged']);
    expect((await t.store.polls.commitBallots([ballot('m:b', 'yes', 'k3')]))[0]).toMatchObject({ ok: true, status: 'changed' });
    expect(await t.store.polls.voterCounts(pollId)).toMatchObject({ members: 2 });
    expect(await t.store.polls.rollEntry(pollId, 'm:a')).toEqual({ voted: true, inRoom: false });
    expect(await t.store.polls.hasVoted(pollId, 'm:c')).toBe(false);
    expect(await t.store.polls.rollKey(pollId, 'm:a')).toBe('k1');
    const grouped = await t.store.polls.groupedBallots(pollId);
    expect(grouped).toEqual([{ electorate: 'members', choice: { kind: 'motion', choice: 'yes' }, n: 2 }]);
    expect((await t.store.polls.groupedBallotsOfOpenPolls(t.meetingId)).get(pollId)).toEqual(grouped);
    expect((await t.store.polls.namedBallots(pollId)).map((b) => b.name).sort()).toEqual(['m:a', 'm:b']);
  });

  it("issues voting codes found by their hash only, counted as the residents' electorate", async () => {
    const before = await t.store.polls.residentElectorate(t.meetingId, 'voting_code');
    await t.store.polls.issueCodes(
      t.meetingId,
      [
        { codeHash: hashToken('CODE-ONE'), label: '1号楼' },
        { codeHash: hashToken('CODE-TWO'), label: null },
      ],
      t.adminId,
    );
    expect(await t.store.polls.residentElectorate(t.meetingId, 'voting_code')).toBe(before + 2);
    expect(await t.store.polls.codeByHash(hashToken('CODE-ONE'))).toMatchObject({ meetingId: t.meetingId });
    expect(await t.store.polls.codeByHash('CODE-ONE')).toBeUndefined();
  });

  it('closes a poll once: the final record, the result and the decision in one transaction', async () => {
    const { randomUUID } = await import('node:crypto');
    const pollId = randomUUID() as PollId;
    await t.store.polls.create({
      meetingId: t.meetingId,
      definition: { ...motion('表决'), id: pollId },
      residentAccess: 'voting_code',
      closesAt: null,
      agendaItemId: null,
      createdBy: t.adminId,
    });
    await t.store.polls.open(pollId);
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
    await t.store.polls.commitBallots([cast('m:x', 'yes'), cast('m:y', 'yes'), cast('m:z', 'no')]);
    expect((await t.store.polls.groupedBallotsOfOpenPolls(t.meetingId)).get(pollId)?.reduce((n, g) => n + g.n, 0)).toBe(3);
    const seen: unknown[] = [];
    const { poll } = await t.store.polls.close(pollId, async (ballots) => {
      seen.push(...ballots);
      return {
        result: { yes: 2, no: 1 },
        title: '表决',
        outcome: [{ electorate: 'members', outcome: null }],
        attendance: { present: 3, members: 3, required: 2 },
      };
    });
    expect(poll.state).toBe('closed');
    // A closed poll is no longer in the live tallies.
    expect((await t.store.polls.groupedBallotsOfOpenPolls(t.meetingId)).has(pollId)).toBe(false);
    expect(seen).toHaveLength(3);
    expect(await t.store.polls.result(pollId)).toEqual({ yes: 2, no: 1 });
    expect((await t.store.polls.finalBallots(pollId)).map((b) => b.position)).toEqual([0, 1, 2]);
    expect((await t.store.polls.decisions(t.meetingId)).find((d) => d.pollId === pollId)).toMatchObject({
      title: '表决',
      attendance: { present: 3, members: 3, required: 2 },
    });
    await expect(t.store.polls.close(pollId, async () => ({ result: null, title: '', outcome: [] }))).rejects.toMatchObject({
      code: 'poll_not_open',
    });
    expect(await t.store.polls.commitBallots([cast('m:w', 'no')])).toEqual([{ ok: false, code: 'poll_not_open' }]);
    expect((await t.store.polls.decisions(t.meetingId)).filter((d) => d.pollId === pollId)).toHaveLength(1);
  });
}
