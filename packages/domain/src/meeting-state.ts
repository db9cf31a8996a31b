import type { MeetingState } from '@yishi/protocol';

/**
 * The meeting life cycle. A live meeting may be adjourned and resumed; closed is final,
 * because the record of a closed meeting must not change.
 */
const NEXT: Record<MeetingState, readonly MeetingState[]> = {
  draft: ['scheduled', 'live'],
  scheduled: ['draft', 'live'],
  live: ['adjourned', 'closed'],
  adjourned: ['live', 'closed'],
  closed: [],
};

export function canTransition(from: MeetingState, to: MeetingState): boolean {
  return NEXT[from].includes(to);
}

export function nextStates(from: MeetingState): readonly MeetingState[] {
  return NEXT[from];
}

/** Residents may join by code only while there is something to follow. */
export function isJoinable(state: MeetingState): boolean {
  return state !== 'closed';
}
