/**
 * Instant runoff (ranked choice), with every round recorded so the screen can replay it.
 *
 * Each round every ballot counts for its highest-ranked option still in the count; a ballot
 * with none left is exhausted and stays so. An option with more than half of the ballots still
 * counting wins; a first-round majority therefore wins in round one. Otherwise one option, the
 * weakest, is eliminated and the count goes again.
 *
 * Tie-break for elimination (deterministic, independent of ballot order): among the options
 * with the fewest votes this round, eliminate the one with fewer votes in round 1, then in
 * round 2, and so on up to the previous round; if they were level in every round, eliminate
 * the one listed later on the ballot. Option order is fixed before the poll opens, so the
 * rule is known to everyone in advance.
 *
 * Declared tie: when every option still in the count holds the same number of votes, no
 * count can separate them, so the runoff stops and reports them as tied instead of letting
 * ballot position pick a winner. The council decides what follows (a new vote, the chair).
 */

export interface IrvRoundOf<O extends string> {
  round: number;
  /** Continuing options in ballot order, with their votes this round. */
  counts: { optionId: O; votes: number }[];
  /** Ballots with no continuing option, accumulated. */
  exhausted: number;
  /** Eliminated at the end of this round; null in the final round. */
  eliminated: O | null;
}

export interface IrvResultOf<O extends string> {
  rounds: IrvRoundOf<O>[];
  /** Null when there were no ballots, or the count ended in a tie. */
  winner: O | null;
  /** The options level at the end, in ballot order; empty unless the count ended in a tie. */
  tied: O[];
}

/**
 * Runs the count. `options` is the poll's options in ballot order. A ballot's mention of an
 * unknown option, or a second mention of one, is skipped (validateBallot refuses such
 * ballots before they are stored; skipping keeps this total for any input).
 */
export function runIrv<O extends string>(options: readonly O[], ballots: readonly (readonly O[])[]): IrvResultOf<O> {
  const position = new Map<O, number>(options.map((o, i) => [o, i]));
  const clean = ballots.map((b) => {
    const seen = new Set<O>();
    for (const o of b) if (position.has(o)) seen.add(o);
    return [...seen]; // a Set keeps first-insertion order: the voter's order, repeats dropped
  });

  const continuing = new Set<O>(position.keys());
  // The next preference to look at on each ballot: preferences move forward only.
  const cursor = new Array<number>(clean.length).fill(0);
  const rounds: IrvRoundOf<O>[] = [];
  const history: Map<O, number>[] = [];

  for (;;) {
    const votes = new Map<O, number>([...continuing].map((o) => [o, 0]));
    let exhausted = 0;
    clean.forEach((ballot, i) => {
      let c = cursor[i] ?? 0;
      while (c < ballot.length && !continuing.has(ballot[c] as O)) c++;
      cursor[i] = c;
      const top = ballot[c];
      if (top === undefined) exhausted++;
      else votes.set(top, (votes.get(top) ?? 0) + 1);
    });

    const ordered = options.filter((o) => continuing.has(o));
    const round: IrvRoundOf<O> = {
      round: rounds.length + 1,
      counts: ordered.map((o) => ({ optionId: o, votes: votes.get(o) ?? 0 })),
      exhausted,
      eliminated: null,
    };
    rounds.push(round);
    history.push(votes);

    const active = clean.length - exhausted;
    if (active === 0) return { rounds, winner: null, tied: [] };

    const most = Math.max(...round.counts.map((c) => c.votes));
    if (most * 2 > active) {
      const winner = round.counts.find((c) => c.votes === most)!.optionId;
      return { rounds, winner, tied: [] };
    }
    const fewest = Math.min(...round.counts.map((c) => c.votes));
    if (fewest === most) return { rounds, winner: null, tied: ordered };

    const out = pickElimination(
      ordered.filter((o) => votes.get(o) === fewest),
      history,
      position,
    );
    round.eliminated = out;
    continuing.delete(out);
  }
}

function pickElimination<O extends string>(tied: O[], history: readonly Map<O, number>[], position: ReadonlyMap<O, number>): O {
  let candidates = tied;
  // Earlier rounds first: the option that was weaker sooner goes out.
  for (const votes of history) {
    if (candidates.length === 1) break;
    const low = Math.min(...candidates.map((o) => votes.get(o) ?? 0));
    candidates = candidates.filter((o) => (votes.get(o) ?? 0) === low);
  }
  // Still level: the option listed later on the ballot.
  return candidates.reduce((a, b) => ((position.get(a) ?? 0) > (position.get(b) ?? 0) ? a : b));
}
