import type { ConsensusCheckId } from '@yishi/protocol';
import type { EventContext, Feature } from '../../core/feature.ts';
import { actingMember, defineView } from '../../core/feature.ts';
import { meetingTarget } from '../meetings/feature.ts';
import { computeConsensusView, liveOf } from './consensus-view.ts';
import { checkTarget, consensus } from './service.ts';

/** A check's council and meeting; a check of another council is refused by can() (forbidden). */
const target = async ({ services }: EventContext, { checkId }: { checkId: ConsensusCheckId }) => {
  const { councilId, meetingId } = await checkTarget(services, checkId);
  return { councilId, meetingId };
};

/**
 * Consensus checks (issue 12): positions on a five-level gradient per agenda item, the council's
 * rule evaluated live, rounds, close, and a motion poll made from a check that failed. One
 * unkeyed `consensus` view per meeting (a meeting has a few checks), coalesced like tallies, and
 * its open checks' figures apart in `consensus_live`, the only one a position pushes.
 */
export const consensusFeature: Feature = {
  name: 'consensus',
  views: [
    defineView({
      kind: 'consensus',
      action: 'meeting.view',
      // The figures name the council's groups; a named check, its members.
      showsCouncil: true,
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        return { version, data: await computeConsensusView(store, meetingId) };
      },
    }),
    defineView({
      kind: 'consensus_live',
      action: 'meeting.view',
      // Its figures line up with the full view's groups (a group added or removed reorders them); a named check's names.
      showsCouncil: true,
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        return { version, data: liveOf(await computeConsensusView(store, meetingId)) };
      },
    }),
  ],
  events: {
    'consensus:open': {
      action: 'consensus.run',
      target: (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: async ({ services, principal }, body) => ({ checkId: await consensus.open(services, actingMember(principal).memberId, body) }),
    },
    'consensus:position': {
      action: 'consensus.take',
      target,
      handle: async ({ services, principal }, body) => ({ status: await consensus.position(services, principal, body) }),
    },
    'consensus:mine': {
      action: 'consensus.take',
      target,
      handle: async ({ services, principal }, { checkId }) => consensus.mine(services, principal, checkId),
    },
    'consensus:record': {
      action: 'consensus.run',
      target,
      handle: async ({ services }, { checkId }) => ({ round: await consensus.record(services, checkId) }),
    },
    'consensus:amend': {
      action: 'consensus.run',
      target,
      handle: async ({ services }, { checkId, proposal }) => ({ version: await consensus.amend(services, checkId, proposal) }),
    },
    'consensus:next': {
      action: 'consensus.run',
      target,
      handle: async ({ services }, { checkId, carryOver }) => ({ round: await consensus.next(services, checkId, carryOver) }),
    },
    'consensus:close': {
      action: 'consensus.run',
      target,
      handle: async ({ services }, { checkId }) => ({ reached: await consensus.close(services, checkId) }),
    },
    'consensus:to_poll': {
      action: 'consensus.run',
      target,
      handle: async ({ services, principal }, { checkId }) => ({ poll: await consensus.toPoll(services, actingMember(principal).memberId, checkId) }),
    },
  },
};
