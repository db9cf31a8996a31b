import type { PollId } from '@yishi/protocol';
import type { EventContext, Feature } from '../../core/feature.ts';
import { actingMember, defineView } from '../../core/feature.ts';
import { memberRoom } from '../../realtime/rooms.ts';
import { meetingTarget } from '../meetings/feature.ts';
import { computeLiveTallies, computePollsView } from './polls-view.ts';
import { startPolls } from './start.ts';

const pollTarget = ({ services }: EventContext, { pollId }: { pollId: PollId }) => services.votes.target(pollId);

/**
 * Polls, ballots, voting codes, in-room counts; see vote-service.ts. The polls view carries
 * definitions, voter lists and decisions; the tallies view (small, after every ballot) the live
 * counts of open polls only.
 */
export const pollsFeature: Feature = {
  name: 'polls',
  start: startPolls,
  views: [
    defineView({
      kind: 'polls',
      action: 'meeting.view',
      // An open poll's members' electorate is the council's size now (polls-view.ts#councilSize).
      showsCouncil: true,
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        return { version, data: await computePollsView(store, meetingId, version) };
      },
    }),
    defineView({
      kind: 'tallies',
      action: 'meeting.view',
      showsCouncil: true,
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        return { version, data: await computeLiveTallies(store, meetingId, version) };
      },
    }),
  ],
  events: {
    'poll:create': {
      action: 'poll.run',
      target: async ({ services }, { meetingId }) => ({ councilId: (await services.store.meetings.get(meetingId)).councilId, meetingId }),
      handle: async ({ services, principal }, body) => {
        // A poll attached to an agenda item: the item must be in the agenda (unknown_item).
        await services.agenda.checkPollItem(body.meetingId, body.agendaItemId);
        return { poll: await services.votes.create(actingMember(principal).memberId, body) };
      },
    },
    'poll:open': {
      action: 'poll.run',
      target: pollTarget,
      handle: async ({ services }, { pollId }) => ({ poll: await services.votes.open(pollId) }),
    },
    'poll:close': {
      action: 'poll.run',
      target: pollTarget,
      handle: async ({ services }, { pollId }) => ({ poll: await services.votes.close(pollId, { byHand: true }) }),
    },
    'ballot:cast': {
      action: 'ballot.cast',
      target: pollTarget,
      handle: async ({ services, socket, principal }, msg) => {
        // A secret ballot may wait for company before it is sealed: the voter hears so at once.
        const result = await services.votes.cast(principal, msg, (sealAt) => socket.emit('ballot:held', { pollId: msg.pollId, sealAt }));
        // The member's other tabs learn that they voted (not what), on every instance.
        if (principal.kind === 'member' && !msg.votingCode) socket.to(memberRoom(principal.memberId)).emit('ballot:voted', { pollId: msg.pollId });
        return result;
      },
    },
    'ballot:mine': {
      action: 'ballot.cast',
      target: pollTarget,
      handle: async ({ services, principal }, { pollId, votingCode }) => services.votes.mine(principal, pollId, votingCode),
    },
    'inroom:set': {
      action: 'poll.run',
      target: pollTarget,
      handle: async ({ services, principal }, body) => {
        await services.votes.setInRoom(actingMember(principal).memberId, body);
        return null;
      },
    },
    'codes:issue': {
      action: 'poll.run',
      target: async (ctx, { meetingId }) => meetingTarget(ctx, meetingId),
      handle: async ({ services, principal }, body) => ({ slips: await services.votes.issueCodes(actingMember(principal).memberId, body) }),
    },
  },
};
