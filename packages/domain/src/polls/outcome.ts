import type {
  ElectorateTally,
  OptionId,
  OutcomeBasis,
  PollDefinition,
  PollOutcome,
  PollQuorum,
  TallySnapshot,
  Threshold,
  ThresholdShare,
} from '@yishi/protocol';

/** Who is in the meeting when the poll closes; the members_present quorum reads it. */
export interface Attendance {
  membersPresent: number;
  totalMembers: number;
  /**
   * The council's quorum (members who must be present), applied to every binding poll: a
   * members-only poll's members' outcome is no_quorum below it, whatever the poll's own rule.
   * Omitted only where no council rule applies.
   */
  councilQuorum?: number;
}

/**
 * The council's quorum as it binds a poll's electorate: members-only polls are binding, so their
 * members' outcome needs it; advisory (everyone) polls and residents' tallies do not. Null when
 * it does not apply.
 */
export function councilQuorumCheck(
  poll: Pick<PollDefinition, 'eligibility'>,
  electorate: ElectorateTally['electorate'],
  attendance: Attendance,
): OutcomeBasis['quorum'] {
  if (poll.eligibility !== 'members' || electorate !== 'members' || attendance.councilQuorum === undefined) return null;
  const required = attendance.councilQuorum;
  return { required, actual: attendance.membersPresent, met: attendance.membersPresent >= required };
}

/** a/b rounded up, for non-negative integers, without floating-point surprises. */
const ceilDiv = (a: number, b: number) => Math.floor((a + b - 1) / b);

/**
 * The poll's quorum against this electorate. ballots_cast counts online and in-room ballots,
 * and its share is of the electorate; members_present reads the meeting's attendance, and its
 * share is of all members. Null when the rule has no quorum.
 */
export function checkQuorum(
  quorum: PollQuorum,
  tally: Pick<ElectorateTally, 'turnout' | 'electorateSize'>,
  attendance: Attendance,
): OutcomeBasis['quorum'] {
  if (quorum.kind === 'none') return null;
  const whole = quorum.kind === 'ballots_cast' ? tally.electorateSize : attendance.totalMembers;
  const actual = quorum.kind === 'ballots_cast' ? tally.turnout : attendance.membersPresent;
  // Rounded up: a 50% quorum of 7 needs 4, as the council quorum does.
  const required = quorum.min.kind === 'count' ? quorum.min.count : ceilDiv(quorum.min.percent * whole, 100);
  return { required, actual, met: actual >= required };
}

/**
 * The fewest votes in favour that pass, out of `base`:
 *   simple_majority: more than half (floor(base/2) + 1): 2 of 3, 3 of 4; a tie fails.
 *   two_thirds: at least two thirds (ceil(2·base/3)): 2 of 3, 4 of 6, 5 of 7.
 *   percent p: at least p% (ceil(p·base/100)): 60% of 10 is 6, and 6 passes.
 * Never below 1: nothing passes without a vote in favour, even when the base is 0
 * (no ballots, or all abstained with abstentions excluded).
 */
export function requiredSupport(share: ThresholdShare, base: number): number {
  const need =
    share.kind === 'simple_majority'
      ? Math.floor(base / 2) + 1
      : share.kind === 'two_thirds'
        ? ceilDiv(2 * base, 3)
        : ceilDiv(share.percent * base, 100);
  return Math.max(1, need);
}

export interface MotionCounts {
  yes: number;
  no: number;
  abstain: number;
}

/**
 * The base a threshold is measured against.
 * ballots_cast: yes + no, plus abstentions when they are in the base.
 * electorate: everyone who could vote, less abstainers when abstentions are excluded; never
 * fewer than the ballots actually cast, so an understated electorate cannot make passing
 * easier.
 */
export function thresholdBase(threshold: Threshold, counts: MotionCounts, electorateSize: number): number {
  const cast = counts.yes + counts.no + counts.abstain;
  const whole = threshold.base === 'ballots_cast' ? cast : Math.max(electorateSize, cast);
  return threshold.abstentions === 'excluded' ? whole - counts.abstain : whole;
}

/** Yes against the threshold. Abstentions follow the threshold's stated rule. */
export function decideMotion(threshold: Threshold, counts: MotionCounts, electorateSize: number) {
  const base = thresholdBase(threshold, counts, electorateSize);
  const required = requiredSupport(threshold.share, base);
  return { support: counts.yes, base, required, passed: counts.yes >= required };
}

/**
 * The outcome of one electorate's tally at close.
 * 1. Quorum not met: no_quorum, whatever the votes. A binding (members-only) poll needs the
 *    council's quorum of members present and its own quorum, if it has one: a poll can only
 *    tighten the council's rule. The basis shows the rule that failed, else the poll's own.
 * 2. Motion: passed or failed against the threshold.
 * 3. Single, multiple, ranked: the option with the most votes (for ranked, the instant-runoff
 *    winner, with its final-round votes). With a threshold, those votes must reach it out of
 *    the ballots cast (exhausted ballots included) or the electorate, else failed. Level
 *    leaders: tie. No votes at all: failed.
 * 4. Score: the best average wins; level: tie; no ballots: failed.
 * Needs the full tally: call it before visibleSnapshot hides anything.
 */
export function decideOutcome(poll: PollDefinition, tally: ElectorateTally, attendance: Attendance): PollOutcome {
  const results = tally.results;
  if (!results) throw new Error('decideOutcome needs the unhidden tally');
  const council = councilQuorumCheck(poll, tally.electorate, attendance);
  if (council && !council.met) return { kind: 'no_quorum', basis: { quorum: council, threshold: null } };
  const quorum = checkQuorum(poll.rule.quorum, tally, attendance) ?? council;
  const basis: OutcomeBasis = { quorum, threshold: null };
  if (quorum && !quorum.met) return { kind: 'no_quorum', basis };

  if (poll.kind === 'motion') {
    if (results.kind !== 'counts' || !poll.rule.threshold) throw new Error('motion needs counts and a threshold');
    const total = (key: string) => results.options.find((o) => o.option === key)?.total ?? 0;
    const counts = { yes: total('yes'), no: total('no'), abstain: total('abstain') };
    const { passed, ...threshold } = decideMotion(poll.rule.threshold, counts, tally.electorateSize);
    return { kind: passed ? 'passed' : 'failed', basis: { quorum, threshold } };
  }

  // Leaders and their votes, in ballot order.
  let leaders: OptionId[];
  let support: number;
  if (results.kind === 'counts') {
    support = Math.max(0, ...results.options.map((o) => o.total));
    leaders = results.options.filter((o) => o.total === support).map((o) => o.option as OptionId);
  } else if (results.kind === 'ranked') {
    const last = results.rounds[results.rounds.length - 1];
    leaders = results.winner ? [results.winner] : results.tied;
    support = last?.counts.find((c) => c.optionId === leaders[0])?.votes ?? 0;
  } else {
    // Every ballot scores every option, so the best average is the best sum; sums are exact.
    support = Math.max(0, ...results.options.map((o) => o.sum));
    const scored = results.options.some((o) => o.average !== null);
    leaders = scored ? results.options.filter((o) => o.sum === support).map((o) => o.optionId) : [];
  }
  if (leaders.length === 0 || (results.kind !== 'score' && support === 0)) return { kind: 'failed', basis };

  const rule = poll.rule.threshold;
  if (rule && results.kind !== 'score') {
    const base = rule.base === 'ballots_cast' ? tally.turnout : Math.max(tally.electorateSize, tally.turnout);
    const required = requiredSupport(rule.share, base);
    const withThreshold: OutcomeBasis = { quorum, threshold: { support, base, required } };
    if (support < required) return { kind: 'failed', basis: withThreshold };
    return leaders.length === 1
      ? { kind: 'winner', optionId: leaders[0]!, basis: withThreshold }
      : { kind: 'tie', optionIds: leaders, basis: withThreshold };
  }
  return leaders.length === 1 ? { kind: 'winner', optionId: leaders[0]!, basis } : { kind: 'tie', optionIds: leaders, basis };
}

/** The snapshot with each electorate's outcome filled in; for the closed poll's record. */
export function withOutcomes(poll: PollDefinition, snapshot: TallySnapshot, attendance: Attendance): TallySnapshot {
  return {
    ...snapshot,
    electorates: snapshot.electorates.map((e) => ({ ...e, outcome: decideOutcome(poll, e, attendance) })),
  };
}
