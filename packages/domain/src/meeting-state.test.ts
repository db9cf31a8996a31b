import { describe, expect, it } from 'vitest';
import { MeetingState } from '@yishi/protocol';
import { canTransition, isJoinable, nextStates } from './meeting-state.ts';

describe('meeting life cycle', () => {
  it('runs draft -> scheduled -> live -> adjourned -> live -> closed', () => {
    const path = ['draft', 'scheduled', 'live', 'adjourned', 'live', 'closed'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('never leaves closed, and never goes back to draft once live', () => {
    for (const to of MeetingState.options) expect(canTransition('closed', to)).toBe(false);
    expect(canTransition('live', 'draft')).toBe(false);
    expect(canTransition('adjourned', 'scheduled')).toBe(false);
  });

  it('has no self-transitions (a double press is refused, not repeated)', () => {
    for (const s of MeetingState.options) expect(nextStates(s)).not.toContain(s);
  });

  it('lets residents join any meeting that is not closed', () => {
    expect(MeetingState.options.filter(isJoinable)).toEqual(['draft', 'scheduled', 'live', 'adjourned']);
  });
});
