import { describe, expect, it } from 'vitest';
import type { CouncilId, MeetingId, MemberId, ResidentId } from '@yishi/protocol';
import type { Principal } from '../permissions.ts';
import {
  authorRef,
  displayDepth,
  editRefusal,
  hideRefusal,
  isModerator,
  postRefusal,
  secondRefusal,
  threadRefusal,
  withdrawRefusal,
} from './rules.ts';

const X = 'c0000000-0000-4000-8000-000000000001' as CouncilId;
const M = 'a0000000-0000-4000-8000-000000000001' as MeetingId;
const member = (role: 'admin' | 'facilitator' | 'secretary' | 'member', councilId = X): Principal => ({
  kind: 'member',
  memberId: 'b0000000-0000-4000-8000-000000000001' as MemberId,
  councilId,
  role,
  name: 'M',
});
const resident: Principal = { kind: 'resident', residentId: 'd0000000-0000-4000-8000-000000000001' as ResidentId, meetingId: M, displayName: 'R' };

describe('opinion rules', () => {
  it('opens threads from publication until close', () => {
    expect(threadRefusal('draft')).toBe('thread_not_open');
    for (const s of ['scheduled', 'live', 'adjourned'] as const) expect(threadRefusal(s)).toBeNull();
    expect(threadRefusal('closed')).toBe('meeting_closed');
  });

  it('wants a stance on a top-level opinion and none on a reply, and replies only to shown opinions', () => {
    expect(postRefusal(resident, { anonymous: false }, false)).toEqual({ code: 'invalid_input', field: 'stance' });
    expect(postRefusal(resident, { stance: 'concern', anonymous: false }, false)).toBeNull();
    expect(postRefusal(resident, { parent: { depth: 0, state: 'visible' }, stance: 'support', anonymous: false }, false)).toEqual({
      code: 'invalid_input',
      field: 'stance',
    });
    expect(postRefusal(resident, { parent: { depth: 5, state: 'visible' }, anonymous: false }, false)).toBeNull();
    expect(postRefusal(resident, { parent: { depth: 0, state: 'hidden' }, anonymous: false }, false)).toEqual({ code: 'opinion_gone' });
    expect(postRefusal(resident, { parent: { depth: 0, state: 'withdrawn' }, anonymous: false }, false)).toEqual({ code: 'opinion_gone' });
  });

  it('lets only residents post anonymously, and only when the facilitator allows it', () => {
    expect(postRefusal(resident, { stance: 'concern', anonymous: true }, false)).toEqual({ code: 'anonymous_not_allowed' });
    expect(postRefusal(resident, { stance: 'concern', anonymous: true }, true)).toBeNull();
    expect(postRefusal(member('member'), { stance: 'concern', anonymous: true }, true)).toEqual({ code: 'invalid_input', field: 'anonymous' });
  });

  it('lets the author edit within ten minutes, only while shown', () => {
    expect(editRefusal(true, 'visible', 9 * 60_000)).toBeNull();
    expect(editRefusal(true, 'visible', 10 * 60_000)).toBeNull();
    expect(editRefusal(true, 'visible', 10 * 60_000 + 1)).toBe('edit_window_closed');
    expect(editRefusal(false, 'visible', 0)).toBe('forbidden');
    expect(editRefusal(true, 'hidden', 0)).toBe('opinion_gone');
    expect(editRefusal(true, 'withdrawn', 0)).toBe('opinion_gone');
  });

  it('lets the author withdraw at any time, once; hidden ones too', () => {
    expect(withdrawRefusal(true, 'visible')).toBeNull();
    expect(withdrawRefusal(true, 'hidden')).toBeNull();
    expect(withdrawRefusal(true, 'withdrawn')).toBe('opinion_gone');
    expect(withdrawRefusal(false, 'visible')).toBe('forbidden');
  });

  it("seconds and reports others' shown opinions only", () => {
    expect(secondRefusal(true, 'visible')).toBe('own_opinion');
    expect(secondRefusal(false, 'visible')).toBeNull();
    expect(secondRefusal(false, 'hidden')).toBe('opinion_gone');
  });

  it('hides a shown opinion with a reason; other needs a note', () => {
    expect(hideRefusal('visible', 'other', undefined)).toEqual({ code: 'invalid_input', field: 'note' });
    expect(hideRefusal('visible', 'other', '  ')).toEqual({ code: 'invalid_input', field: 'note' });
    expect(hideRefusal('visible', 'other', 'spam link')).toBeNull();
    expect(hideRefusal('visible', 'personal_attack', undefined)).toBeNull();
    expect(hideRefusal('hidden', 'duplicate', undefined)).toEqual({ code: 'already_hidden' });
    expect(hideRefusal('withdrawn', 'duplicate', undefined)).toEqual({ code: 'opinion_gone' });
  });

  it('calls facilitators, secretaries and admins of the council moderators, nobody else', () => {
    const here = { councilId: X, meetingId: M };
    expect(isModerator(member('facilitator'), here)).toBe(true);
    expect(isModerator(member('secretary'), here)).toBe(true);
    expect(isModerator(member('admin'), here)).toBe(true);
    expect(isModerator(member('member'), here)).toBe(false);
    expect(isModerator(resident, here)).toBe(false);
    expect(isModerator(member('facilitator', 'c0000000-0000-4000-8000-000000000002' as CouncilId), here)).toBe(false);
  });

  it('draws replies at most three deep and names authors by kind', () => {
    expect([0, 1, 2, 3, 4, 9].map((d) => displayDepth(d))).toEqual([0, 1, 2, 3, 3, 3]);
    expect(authorRef(resident)).toBe('r:d0000000-0000-4000-8000-000000000001');
    expect(authorRef(member('member'))).toBe('m:b0000000-0000-4000-8000-000000000001');
  });
});
