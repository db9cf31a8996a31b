import type { Electorate, InRoomErrorCode } from '@yishi/protocol';

/**
 * The members' electorate as a known list, at the moment hand counts are entered: who is a
 * member, and who has voted online already.
 */
export interface MemberRoster {
  members: ReadonlySet<string>;
  votedOnline: ReadonlySet<string>;
}

export type VotersCheck = { ok: true } | { ok: false; code: InRoomErrorCode };

/**
 * A member counts once (issue 7). Members are known people, so a hand count of members names
 * who raised a hand: each named once, each a member, none who voted online, and exactly as
 * many names as people counted. Residents are never named. The names are the room's voter
 * roll, not what each chose: for a secret poll the choices stay aggregate counts.
 * The other half of the rule is mayVoteOnline: a member named in the room cannot vote online.
 */
export function checkInRoomVoters(counts: { electorate: Electorate; ballots: number; voters: readonly string[] }, roster: MemberRoster): VotersCheck {
  if (counts.electorate === 'residents') return counts.voters.length === 0 ? { ok: true } : { ok: false, code: 'voters_mismatch' };
  const seen = new Set<string>();
  for (const id of counts.voters) {
    if (seen.has(id)) return { ok: false, code: 'duplicate_voter' };
    seen.add(id);
    if (!roster.members.has(id)) return { ok: false, code: 'not_a_member' };
  }
  for (const id of counts.voters) if (roster.votedOnline.has(id)) return { ok: false, code: 'voted_online' };
  if (counts.voters.length !== counts.ballots) return { ok: false, code: 'voters_mismatch' };
  return { ok: true };
}

/** Whether a member may vote online, given who the room's hand count names. */
export function mayVoteOnline(memberId: string, inRoomVoters: readonly string[]): boolean {
  return !inRoomVoters.includes(memberId);
}
