import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runIrv } from './irv.ts';

const repeat = (n: number, ballot: string[]) => Array.from({ length: n }, () => ballot);
const votes = (round: { counts: { optionId: string; votes: number }[] }) => Object.fromEntries(round.counts.map((c) => [c.optionId, c.votes]));

describe('runIrv', () => {
  it('a first-round majority wins in round one', () => {
    const r = runIrv(['a', 'b', 'c'], [...repeat(4, ['a']), ...repeat(2, ['b', 'a']), ['c']]);
    expect(r.winner).toBe('a');
    expect(r.rounds).toHaveLength(1);
    expect(r.rounds[0]).toEqual({ round: 1, counts: expect.any(Array), exhausted: 0, eliminated: null });
  });

  it('transfers the eliminated option’s ballots to their next preference', () => {
    // a 4, b 3, c 2 (c voters prefer b next): c out, then b 5 of 9.
    const ballots = [...repeat(4, ['a']), ...repeat(3, ['b']), ...repeat(2, ['c', 'b'])];
    const r = runIrv(['a', 'b', 'c'], ballots);
    expect(r.rounds.map(votes)).toEqual([
      { a: 4, b: 3, c: 2 },
      { a: 4, b: 5 },
    ]);
    expect(r.rounds.map((x) => x.eliminated)).toEqual(['c', null]);
    expect(r.winner).toBe('b');
  });

  it('counts a partial ballot as exhausted once its options are out', () => {
    // a 3, b 2, c 2 -> c out by position (later on the ballot); its ballots stop.
    const ballots = [...repeat(3, ['a']), ...repeat(2, ['b']), ...repeat(2, ['c'])];
    const r = runIrv(['a', 'b', 'c'], ballots);
    expect(r.rounds[0]!.eliminated).toBe('c');
    expect(r.rounds[1]).toMatchObject({ exhausted: 2 });
    // a holds 3 of the 5 ballots still counting: a majority of continuing ballots.
    expect(r.winner).toBe('a');
  });

  it('breaks an elimination tie on earlier rounds before ballot position', () => {
    // Round 1: a 4, b 2, c 3, d 2 -> d out (b and d level; d listed later).
    // One of d's ballots moves to b, so b and c are level in round 2.
    const ballots = [...repeat(4, ['a']), ...repeat(2, ['b']), ...repeat(3, ['c']), ...repeat(1, ['d', 'b']), ...repeat(1, ['d'])];
    const r = runIrv(['a', 'b', 'c', 'd'], ballots);
    expect(r.rounds.map(votes)[0]).toEqual({ a: 4, b: 2, c: 3, d: 2 });
    expect(r.rounds[0]!.eliminated).toBe('d');
    // Round 2: a 4, b 3, c 3: b had fewer first-round votes than c, so b goes, though c is later.
    expect(votes(r.rounds[1]!)).toEqual({ a: 4, b: 3, c: 3 });
    expect(r.rounds[1]!.eliminated).toBe('b');
  });

  it('falls back to ballot position: the later-listed option goes first', () => {
    const r = runIrv(['a', 'b', 'c'], [['a'], ['a'], ['b'], ['c']]);
    expect(r.rounds[0]!.eliminated).toBe('c');
  });

  it('declares a tie when every continuing option is level', () => {
    const r = runIrv(['a', 'b', 'c'], [['a'], ['a'], ['b'], ['b']]);
    expect(r.rounds.map((x) => x.eliminated)).toEqual(['c', null]);
    expect(r.winner).toBeNull();
    expect(r.tied).toEqual(['a', 'b']);
  });

  it('has no winner and no tie without ballots', () => {
    const r = runIrv(['a', 'b'], []);
    expect(r).toEqual({
      rounds: [
        {
          round: 1,
          counts: [
            { optionId: 'a', votes: 0 },
            { optionId: 'b', votes: 0 },
          ],
          exhausted: 0,
          eliminated: null,
        },
      ],
      winner: null,
      tied: [],
    });
  });

  it('skips unknown and repeated preferences instead of counting them', () => {
    const r = runIrv(
      ['a', 'b'],
      [
        ['x', 'a', 'a', 'b'],
        ['b', 'b'],
      ],
    );
    expect(votes(r.rounds[0]!)).toEqual({ a: 1, b: 1 });
  });
});

// ---- properties ----

const OPTIONS = ['a', 'b', 'c', 'd', 'e', 'f'];
const election = fc.integer({ min: 1, max: OPTIONS.length }).chain((n) => {
  const options = OPTIONS.slice(0, n);
  const ballot = fc.uniqueArray(fc.constantFrom(...options), { minLength: 1, maxLength: n });
  return fc.tuple(fc.constant(options), fc.array(ballot, { maxLength: 60 }));
});

describe('runIrv properties', () => {
  it('a first-round majority wins in round one', () => {
    fc.assert(
      fc.property(election, ([options, ballots]) => {
        const first = new Map<string, number>();
        for (const b of ballots) first.set(b[0]!, (first.get(b[0]!) ?? 0) + 1);
        const major = [...first].find(([, n]) => n * 2 > ballots.length);
        fc.pre(major !== undefined);
        const r = runIrv(options, ballots);
        expect(r.rounds).toHaveLength(1);
        expect(r.winner).toBe(major![0]);
      }),
    );
  });

  it('every round, continuing votes plus exhausted ballots equal all ballots', () => {
    fc.assert(
      fc.property(election, ([options, ballots]) => {
        for (const round of runIrv(options, ballots).rounds) {
          const counted = round.counts.reduce((s, c) => s + c.votes, 0);
          expect(counted + round.exhausted).toBe(ballots.length);
        }
      }),
    );
  });

  it('exhausted ballots only grow, and one option with the fewest votes goes each round', () => {
    fc.assert(
      fc.property(election, ([options, ballots]) => {
        const { rounds } = runIrv(options, ballots);
        rounds.forEach((round, i) => {
          const next = rounds[i + 1];
          expect(round.eliminated === null).toBe(next === undefined);
          if (!next) return;
          expect(next.exhausted).toBeGreaterThanOrEqual(round.exhausted);
          const fewest = Math.min(...round.counts.map((c) => c.votes));
          expect(round.counts.find((c) => c.optionId === round.eliminated)?.votes).toBe(fewest);
          expect(next.counts.map((c) => c.optionId)).toEqual(round.counts.map((c) => c.optionId).filter((o) => o !== round.eliminated));
        });
      }),
    );
  });

  it('the winner holds a majority of continuing ballots in the last round, or it is a declared tie', () => {
    fc.assert(
      fc.property(election, ([options, ballots]) => {
        const r = runIrv(options, ballots);
        const last = r.rounds[r.rounds.length - 1]!;
        const continuing = ballots.length - last.exhausted;
        if (r.winner !== null) {
          const held = last.counts.find((c) => c.optionId === r.winner)!.votes;
          expect(held * 2).toBeGreaterThan(continuing);
          expect(r.tied).toEqual([]);
        } else if (r.tied.length > 0) {
          expect(r.tied.length).toBeGreaterThanOrEqual(2);
          expect(r.tied).toEqual(last.counts.map((c) => c.optionId));
          expect(new Set(last.counts.map((c) => c.votes)).size).toBe(1);
        } else {
          expect(ballots).toHaveLength(0);
        }
      }),
    );
  });

  it('is deterministic: the same ballots in any order give the same result', () => {
    const shuffled = election.chain(([options, ballots]) =>
      fc.tuple(fc.constant(options), fc.constant(ballots), fc.shuffledSubarray(ballots, { minLength: ballots.length, maxLength: ballots.length })),
    );
    fc.assert(
      fc.property(shuffled, ([options, ballots, reordered]) => {
        expect(runIrv(options, reordered)).toEqual(runIrv(options, ballots));
      }),
    );
  });
});
