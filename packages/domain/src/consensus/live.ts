import type { ConsensusLiveView, ConsensusView } from '@yishi/protocol';

/**
 * The `consensus` view with each open check's figures (and a named check's positions) taken from
 * the `consensus_live` view when that is the newer snapshot: positions push only the live view,
 * the full one goes out when the proposal, rounds or statements change. Both versions come from
 * the same sequence, so the higher one saw the later state. A closed check keeps its own figures.
 */
export function withLiveConsensus(
  full: { version: number; data: ConsensusView },
  live: { version: number; data: ConsensusLiveView } | null | undefined,
): ConsensusView {
  if (!live || live.version <= full.version || live.data.checks.length === 0) return full.data;
  const byId = new Map(live.data.checks.map((c) => [c.id as string, c]));
  return {
    checks: full.data.checks.map((check) => {
      const hot = byId.get(check.id);
      if (!hot || check.state !== 'open') return check;
      return { ...check, figures: hot.figures, positions: hot.positions };
    }),
  };
}
