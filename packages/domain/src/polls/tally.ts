import { checkInRoomVoters, type MemberRoster } from './in-room-voters.ts';
import { smallElectorateWarning } from './anonymity.ts';
import { runIrv } from './irv.ts';
import { validateBallot } from './validate-ballot.ts';
import type {
  BallotChoice,
  ChoiceOf,
  Electorate,
  ElectorateTally,
  InRoomCounts,
  InRoomErrorCode,
  OptionCount,
  OptionId,
  PollDefinition,
  PollState,
  TallyResults,
  TallySnapshot,
} from '@yishi/protocol';
import { optionKeys } from './option-keys.ts';

/** Members always; residents too when everyone may vote. Each is tallied on its own. */
export function electoratesOf(poll: PollDefinition): Electorate[] {
  return poll.eligibility === 'everyone' ? ['members', 'residents'] : ['members'];
}

export type InRoomCheck = { ok: true } | { ok: false; code: InRoomErrorCode; option?: string };

/**
 * Checks the facilitator's hand counts before they are stored. For a motion or single choice
 * each person raised one hand, so the counts add up to the people counted. For multiple
 * choice each person picked 1..k options: no option can have more hands than people, and the
 * hands total between the people counted and k times that. Options left out count as 0.
 * `roster`, given on entry, holds the members' electorate as a known list: every member counted
 * by hand must be named, once, and must not have voted online (see in-room-voters.ts). The
 * tally passes none: it counts what was checked on entry.
 */
export function validateInRoomCounts(poll: PollDefinition, counts: InRoomCounts, roster?: MemberRoster): InRoomCheck {
  if (poll.kind === 'ranked' || poll.kind === 'score') return { ok: false, code: 'not_supported' };
  if (!electoratesOf(poll).includes(counts.electorate)) return { ok: false, code: 'wrong_electorate' };
  if (roster) {
    const named = checkInRoomVoters(counts, roster);
    if (!named.ok) return named;
  }
  const valid = new Set<string>(optionKeys(poll));
  const seen = new Set<string>();
  let sum = 0;
  for (const row of counts.counts) {
    if (!valid.has(row.option)) return { ok: false, code: 'unknown_option', option: row.option };
    if (seen.has(row.option)) return { ok: false, code: 'duplicate_option', option: row.option };
    seen.add(row.option);
    if (!Number.isInteger(row.count) || row.count < 0) return { ok: false, code: 'inconsistent_ballots' };
    sum += row.count;
  }
  const people = counts.ballots;
  const consistent =
    poll.kind === 'multiple' ? counts.counts.every((r) => r.count <= people) && sum >= people && sum <= people * poll.maxChoices : sum === people;
  return consistent ? { ok: true } : { ok: false, code: 'inconsistent_ballots' };
}

export interface ElectorateInput {
  electorate: Electorate;
  /**
   * Who could vote in this electorate: the council's members, or the residents' voting codes
   * issued; null when unknown (an open, unverified poll).
   */
  electorateSize: number | null;
  /**
   * Residents with voting codes: those counted by hand in the room join the electorate (they
   * voted without a code), so the electorate is codes issued plus the room, and turnout (each
   * code once online, plus the room) can never exceed it.
   */
  roomJoinsElectorate?: boolean;
  /** The ballots in the box. Any that do not validate against the poll are not counted. */
  choices: readonly BallotChoice[];
  inRoom?: InRoomCounts | null;
}

/**
 * Counts one electorate. Pure and order-independent: the same ballots in any order give the
 * same tally, which is what lets a secret ballot box hold them unordered. The outcome is left
 * null (see outcome.ts); hiding results is visibleSnapshot's job.
 * Throws on in-room counts that validateInRoomCounts refuses: they are checked on entry.
 */
export function tallyElectorate(poll: PollDefinition, input: ElectorateInput): ElectorateTally {
  // Each distinct choice object checked once: the server passes grouped ballots as the same
  // object repeated (5,000 ballots are a handful of objects), four times a second while a room votes.
  const verdicts = new Map<BallotChoice, boolean>();
  const choices = input.choices.filter((c) => {
    let ok = verdicts.get(c);
    if (ok === undefined) verdicts.set(c, (ok = validateBallot(poll, c).ok));
    return ok;
  });
  const inRoom = input.inRoom ?? null;
  if (inRoom) {
    const check = inRoom.electorate === input.electorate ? validateInRoomCounts(poll, inRoom) : null;
    if (!check?.ok) throw new Error(`in-room counts refused: ${check ? check.code : 'wrong_electorate'}`);
  }
  const inRoomBallots = inRoom?.ballots ?? 0;
  const known = input.electorateSize !== null;
  const size = known ? input.electorateSize! + (input.roomJoinsElectorate ? inRoomBallots : 0) : 0;
  return {
    electorate: input.electorate,
    electorateSize: size,
    electorateKnown: known,
    online: choices.length,
    inRoom: inRoomBallots,
    turnout: choices.length + inRoomBallots,
    inRoomEnteredBy: inRoom?.enteredBy ?? null,
    results: countResults(poll, choices, inRoom),
    outcome: null,
    // An unknown electorate is not known to be small.
    warning: smallElectorateWarning({ secrecy: poll.secrecy, electorateSize: known ? size : Number.MAX_SAFE_INTEGER, choices }),
  };
}

function countResults(poll: PollDefinition, choices: readonly BallotChoice[], inRoom: InRoomCounts | null): TallyResults {
  if (poll.kind === 'ranked') {
    const ids = poll.options.map((o) => o.id);
    const irv = runIrv<OptionId>(
      ids,
      (choices as ChoiceOf<'ranked'>[]).map((c) => c.ranking),
    );
    return { kind: 'ranked', rounds: irv.rounds, winner: irv.winner, tied: irv.tied };
  }
  if (poll.kind === 'score') {
    const sums = new Map<string, { sum: number; n: number }>();
    for (const c of choices as ChoiceOf<'score'>[]) {
      for (const s of c.scores) {
        const acc = sums.get(s.optionId) ?? { sum: 0, n: 0 };
        sums.set(s.optionId, { sum: acc.sum + s.score, n: acc.n + 1 });
      }
    }
    return {
      kind: 'score',
      options: poll.options.map((o) => {
        const acc = sums.get(o.id) ?? { sum: 0, n: 0 };
        return { optionId: o.id, sum: acc.sum, average: acc.n === 0 ? null : acc.sum / acc.n };
      }),
    };
  }
  const online = new Map<string, number>();
  const bump = (key: string) => online.set(key, (online.get(key) ?? 0) + 1);
  for (const c of choices) {
    if (c.kind === 'motion') bump(c.choice);
    else if (c.kind === 'single') bump(c.optionId);
    else if (c.kind === 'multiple') c.optionIds.forEach(bump);
  }
  const room = new Map<string, number>((inRoom?.counts ?? []).map((r) => [r.option, r.count]));
  const options: OptionCount[] = optionKeys(poll).map((option) => {
    const on = online.get(option) ?? 0;
    const hands = room.get(option) ?? 0;
    return { option, online: on, inRoom: hands, total: on + hands };
  });
  return { kind: 'counts', options };
}

/** Tallies every electorate the poll has, in the order of electoratesOf. */
export function tallyPoll(poll: PollDefinition, inputs: readonly ElectorateInput[], meta: { state: PollState; version: number }): TallySnapshot {
  for (const input of inputs) {
    if (!electoratesOf(poll).includes(input.electorate)) {
      throw new Error(`electorate ${input.electorate} cannot vote in this poll`);
    }
  }
  const electorates = electoratesOf(poll).map((electorate) => {
    const input = inputs.find((i) => i.electorate === electorate);
    return tallyElectorate(poll, input ?? { electorate, electorateSize: 0, choices: [] });
  });
  return { pollId: poll.id, kind: poll.kind, state: meta.state, version: meta.version, electorates };
}

/**
 * What may be sent while a poll is open. Results hidden until close hide everything read
 * from the ballots: the counts and the `unanimous` warning. Turnout stays, as the issue asks.
 */
export function visibleSnapshot(poll: PollDefinition, snapshot: TallySnapshot): TallySnapshot {
  if (poll.results === 'live' || snapshot.state === 'closed') return snapshot;
  return {
    ...snapshot,
    electorates: snapshot.electorates.map((e) => ({
      ...e,
      results: null,
      outcome: null,
      warning: e.warning === 'unanimous' ? null : e.warning,
    })),
  };
}
