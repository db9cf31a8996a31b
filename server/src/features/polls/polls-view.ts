import { compactTally, hasVotedVisible, tallyPoll, visibleSnapshot, type ElectorateInput } from '@yishi/domain';
import type {
  BallotChoice,
  CouncilId,
  Electorate,
  InRoomCounts,
  MeetingId,
  Poll,
  PollsView,
  PollView,
  TalliesView,
  TallySnapshot,
} from '@yishi/protocol';
import { BoundedMap } from '../../bounded-map.ts';
import type { Store } from '../../storage/store.ts';

/**
 * The council of each meeting, which never changes: the tallies view asks for the council's size
 * four times a second while a room votes, and reading the meeting (a join) each time was a turn of
 * the embedded database for nothing. Bounded; a dropped entry is only read again.
 */
const councilOf = new BoundedMap<MeetingId, CouncilId>(4_000);

/** How many members the council of a meeting has: the members' electorate of its polls. */
export async function councilSize(store: Store, meetingId: MeetingId): Promise<number> {
  let councilId = councilOf.get(meetingId);
  if (!councilId) {
    councilId = (await store.meetings.get(meetingId)).councilId;
    councilOf.set(meetingId, councilId);
  }
  return store.councils.memberCount(councilId);
}

/**
 * Who could vote, per electorate: the council's members; for residents, the voting codes issued
 * (the room's hand count joins them in the tally), or null, unknown, for an open unverified poll:
 * residents who happen to be connected are not an electorate.
 * `members` may be passed in when the caller already knows it (one read per meeting, not per poll).
 */
export async function electorateSizes(store: Store, poll: Poll, members?: number): Promise<Record<Electorate, number | null>> {
  const [m, residents] = await Promise.all([
    members ?? councilSize(store, poll.meetingId),
    poll.definition.eligibility !== 'everyone'
      ? 0
      : poll.residentAccess === 'voting_code'
        ? store.polls.residentElectorate(poll.meetingId, poll.residentAccess)
        : null,
  ]);
  return { members: m, residents };
}

/** A tally from ballots (grouped: identical choices once, with their number) and hand counts. */
export function tallyFrom(
  poll: Poll,
  sizes: Record<Electorate, number | null>,
  ballots: readonly { electorate: Electorate; choice: BallotChoice; n: number }[],
  rooms: readonly InRoomCounts[],
  meta: { state: Poll['state']; version: number },
): TallySnapshot {
  const def = poll.definition;
  const inputs: ElectorateInput[] = (['members', 'residents'] as Electorate[])
    .filter((e) => e === 'members' || def.eligibility === 'everyone')
    .map((electorate) => ({
      electorate,
      electorateSize: sizes[electorate],
      roomJoinsElectorate: electorate === 'residents',
      // The same object repeated costs no memory.
      choices: ballots.filter((g) => g.electorate === electorate).flatMap((g) => Array<BallotChoice>(g.n).fill(g.choice)),
      inRoom: rooms.find((r) => r.electorate === electorate) ?? null,
    }));
  return tallyPoll(def, inputs, meta);
}

/** The live tally of one open poll; the outcome is decided on close. */
export async function liveTally(store: Store, poll: Poll, version: number, members?: number): Promise<TallySnapshot> {
  const [sizes, grouped, rooms] = await Promise.all([
    electorateSizes(store, poll, members),
    store.polls.groupedBallots(poll.definition.id),
    store.polls.inRoom(poll.definition.id),
  ]);
  return tallyFrom(poll, sizes, grouped, rooms, { state: poll.state, version });
}

/**
 * Everything a meeting's participants may see of its polls. Secret choices never appear next to
 * a voter: the tally is counts only, and who has voted shows only once it reveals nothing.
 */
export async function computePollsView(store: Store, meetingId: MeetingId, version: number): Promise<PollsView> {
  const polls = await store.polls.listForMeeting(meetingId);
  const decided = polls.some((p) => p.state === 'closed') ? await store.polls.decisions(meetingId) : [];
  const members = polls.some((p) => p.state !== 'closed') ? await councilSize(store, meetingId) : 0;
  const views: PollView[] = [];
  for (const poll of polls) {
    const def = poll.definition;
    const stored = poll.state === 'closed' ? ((await store.polls.result(def.id)) as TallySnapshot | null) : null;
    const tally = stored ? { ...stored, version } : await liveTally(store, poll, version, members);
    const visible = visibleSnapshot(def, tally);
    const resultsShown = def.results === 'live' || poll.state === 'closed';

    let voters: PollView['voters'] = null;
    if (poll.state !== 'draft') {
      const counts = await store.polls.voterCounts(def.id);
      const members = tally.electorates.find((e) => e.electorate === 'members');
      // A secret poll whose tally is shown live does not show who has voted until it closes:
      // whenever the tally moves, the names added since it last moved would be the ones that
      // moved it, and the last few ballots (fewer than k, mixed only at close) would be named by
      // that step. Hidden-results polls keep the list above the threshold: no tally moves there.
      const liveSecret = def.secrecy === 'secret' && def.results === 'live' && poll.state === 'open';
      const show = !liveSecret && hasVotedVisible({ secrecy: def.secrecy, electorateSize: members?.electorateSize ?? 0, voted: counts.members });
      // Residents are never named; their turnout is in the tally.
      voters = show ? [{ electorate: 'members', names: await store.polls.memberVoterNames(def.id) }] : null;
    }
    const named = def.secrecy === 'roll_call' && resultsShown ? await store.polls.namedBallots(def.id) : [];
    views.push({
      poll,
      tally: visible,
      voters,
      named,
      unverified: def.eligibility === 'everyone' && poll.residentAccess === 'open_unverified',
      decision: (() => {
        const d = decided.find((x) => x.pollId === def.id);
        return d ? { recordedAt: d.recordedAt.toISOString(), attendance: d.attendance ?? null } : null;
      })(),
    });
  }
  return { polls: views };
}

/**
 * The compact tallies of a meeting's open polls (see TalliesView): what goes out after every
 * burst of ballots. Results hidden until close stay hidden here too. Every read in one round,
 * issued together (the version was drawn before, feature.ts): on the embedded database each
 * round waits behind the seals of a room voting, 50-100 ms each at 1,000 ballots, and reading
 * the polls, the council, then each poll's ballots was three rounds.
 */
export async function computeLiveTallies(store: Store, meetingId: MeetingId, version: number): Promise<TalliesView> {
  const [polls, members, grouped, rooms] = await Promise.all([
    store.polls.listForMeeting(meetingId),
    councilSize(store, meetingId),
    store.polls.groupedBallotsOfOpenPolls(meetingId),
    store.polls.inRoomOfOpenPolls(meetingId),
  ]);
  const open = polls.filter((p) => p.state === 'open');
  const tallies = await Promise.all(
    open.map(async (poll) => {
      const id = poll.definition.id;
      const sizes = await electorateSizes(store, poll, members);
      const tally = tallyFrom(poll, sizes, grouped.get(id) ?? [], rooms.get(id) ?? [], { state: poll.state, version });
      return compactTally(visibleSnapshot(poll.definition, tally));
    }),
  );
  return { tallies };
}
