import type { ConsensusCheck, ConsensusFigures } from '@yishi/protocol';

/** The figures of the latest round recorded before the current one: the mark on each bar. */
export function previousFigures(check: ConsensusCheck): ConsensusFigures | null {
  const earlier = check.rounds.filter((r) => r.round < check.round);
  return earlier.length > 0 ? earlier[earlier.length - 1]!.figures : null;
}

/** The check the room display shows: the open one opened last; none when no check is open. */
export function checkToShow(checks: readonly ConsensusCheck[]): ConsensusCheck | null {
  const open = checks.filter((c) => c.state === 'open');
  return open.length > 0 ? open[open.length - 1]! : null;
}
