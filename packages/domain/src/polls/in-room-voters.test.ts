import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkInRoomVoters, mayVoteOnline } from './in-room-voters.ts';

const roster = (members: string[], votedOnline: string[] = []) => ({ members: new Set(members), votedOnline: new Set(votedOnline) });
const room = (voters: string[], ballots = voters.length) => ({ electorate: 'members' as const, ballots, voters });

describe('a member counts once: in the room or online', () => {
  it('names each member counted by hand, once, and only members', () => {
    const r = roster(['a', 'b', 'c']);
    expect(checkInRoomVoters(room(['a', 'b']), r)).toEqual({ ok: true });
    expect(checkInRoomVoters(room([], 0), r)).toEqual({ ok: true });
    expect(checkInRoomVoters(room([], 2), r)).toEqual({ ok: false, code: 'voters_mismatch' });
    expect(checkInRoomVoters(room(['a'], 2), r)).toEqual({ ok: false, code: 'voters_mismatch' });
    expect(checkInRoomVoters(room(['a', 'a']), r)).toEqual({ ok: false, code: 'duplicate_voter' });
    expect(checkInRoomVoters(room(['a', 'z']), r)).toEqual({ ok: false, code: 'not_a_member' });
  });

  it('refuses a member who voted online, and residents are never named', () => {
    expect(checkInRoomVoters(room(['a', 'b']), roster(['a', 'b', 'c'], ['b']))).toEqual({ ok: false, code: 'voted_online' });
    expect(checkInRoomVoters({ electorate: 'residents', ballots: 3, voters: [] }, roster([]))).toEqual({ ok: true });
    expect(checkInRoomVoters({ electorate: 'residents', ballots: 1, voters: ['a'] }, roster(['a']))).toEqual({ ok: false, code: 'voters_mismatch' });
    expect(mayVoteOnline('a', ['a', 'b'])).toBe(false);
    expect(mayVoteOnline('c', ['a', 'b'])).toBe(true);
  });

  it('never counts more members than the council has, whatever the order of online votes and hand counts (property)', () => {
    const members = ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    const action = fc.oneof(
      fc.record({ kind: fc.constant('online' as const), who: fc.constantFrom(...members) }),
      fc.record({ kind: fc.constant('room' as const), who: fc.subarray(members), extra: fc.integer({ min: 0, max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 30 }), (actions) => {
        const online = new Set<string>();
        let inRoom: string[] = [];
        for (const a of actions) {
          if (a.kind === 'online') {
            // The ballot writer: a member named in the room is refused; a repeat changes nothing.
            if (mayVoteOnline(a.who, inRoom)) online.add(a.who);
          } else {
            // The facilitator may enter a count with more people than names: refused.
            const counts = room(a.who, a.who.length + a.extra);
            if (checkInRoomVoters(counts, roster(members, [...online])).ok) inRoom = a.who;
          }
          // At every moment, each member at most once and the turnout within the electorate.
          expect(inRoom.filter((m) => online.has(m))).toEqual([]);
          expect(online.size + inRoom.length).toBeLessThanOrEqual(members.length);
        }
      }),
    );
  });
});
