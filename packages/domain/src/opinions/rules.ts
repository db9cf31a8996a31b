// Types only from the protocol, values from its constants: the web bundles this file (bundle.test.ts).
import type { HideReason, MeetingState, Opinion, OpinionState, Stance } from '@yishi/protocol';
import { OPINION_LIMITS } from '@yishi/protocol/constants';
import { can, type Principal, type Target } from '../permissions.ts';

/**
 * The rules of threaded opinions (issue 11), pure, for server and web alike. The server applies
 * them again inside its transactions (with the database's clock for the edit window); the web
 * uses them to show only the controls that would succeed.
 */

/** Why a rule refuses: each is an ErrorCode the web translates. */
export type OpinionRefusal =
  | 'thread_not_open'
  | 'meeting_closed'
  | 'muted'
  | 'forbidden'
  | 'edit_window_closed'
  | 'opinion_gone'
  | 'own_opinion'
  | 'invalid_input'
  | 'anonymous_not_allowed'
  | 'already_hidden'
  | 'not_hidden';

/**
 * Threads open when the meeting is published (scheduled: residents reach them before it starts)
 * and stay open until it closes; a draft has none yet, a closed meeting's are read-only.
 */
export function threadRefusal(state: MeetingState): 'thread_not_open' | 'meeting_closed' | null {
  if (state === 'draft') return 'thread_not_open';
  if (state === 'closed') return 'meeting_closed';
  return null;
}

/** The author key of a principal: `m:<memberId>` or `r:<residentId>` (an opinion's author.ref). */
export function authorRef(p: Principal): string {
  return p.kind === 'member' ? `m:${p.memberId}` : `r:${p.residentId}`;
}

/** Moderators: facilitator, secretary (and the admin), in the meeting's council. */
export function isModerator(p: Principal | null, target: Target): boolean {
  return can(p, 'opinion.moderate', target);
}

export interface PostShape {
  /** The parent's depth and state when replying; undefined for a top-level opinion. */
  parent?: { depth: number; state: OpinionState };
  stance?: Stance;
  anonymous: boolean;
}

/**
 * Whether a post has the right shape: a top-level opinion carries one stance, a reply none and
 * only to an opinion still shown; only residents post anonymously, and only when allowed.
 */
export function postRefusal(author: Principal, post: PostShape, anonymousAllowed: boolean): { code: OpinionRefusal; field?: string } | null {
  if (post.parent) {
    if (post.stance !== undefined) return { code: 'invalid_input', field: 'stance' };
    if (post.parent.state !== 'visible') return { code: 'opinion_gone' };
  } else if (post.stance === undefined) {
    return { code: 'invalid_input', field: 'stance' };
  }
  if (post.anonymous) {
    if (author.kind !== 'resident') return { code: 'invalid_input', field: 'anonymous' };
    if (!anonymousAllowed) return { code: 'anonymous_not_allowed' };
  }
  return null;
}

/** A reply's depth: one below its parent's. */
export function replyDepth(parentDepth: number): number {
  return parentDepth + 1;
}

/** How deep a reply is drawn: at most OPINION_LIMITS.displayDepth (deeper ones say whom they reply to). */
export function displayDepth(depth: number, max: number = OPINION_LIMITS.displayDepth): number {
  return Math.min(depth, max);
}

/** Whether an author may still edit: their own, still shown, within the window (ms since posting). */
export function editRefusal(isAuthor: boolean, state: OpinionState, ageMs: number): OpinionRefusal | null {
  if (!isAuthor) return 'forbidden';
  if (state !== 'visible') return 'opinion_gone';
  if (ageMs > OPINION_LIMITS.editWindowMs) return 'edit_window_closed';
  return null;
}

/** An author may withdraw at any time (a placeholder stays); once withdrawn it stays so. */
export function withdrawRefusal(isAuthor: boolean, state: OpinionState): OpinionRefusal | null {
  if (!isAuthor) return 'forbidden';
  if (state === 'withdrawn') return 'opinion_gone';
  return null;
}

/** Seconding and reporting: someone else's opinion, still shown. */
export function secondRefusal(isAuthor: boolean, state: OpinionState): OpinionRefusal | null {
  if (isAuthor) return 'own_opinion';
  if (state !== 'visible') return 'opinion_gone';
  return null;
}

/** Hiding: a shown opinion; the reason `other` needs a note. */
export function hideRefusal(state: OpinionState, reason: HideReason, note: string | undefined): { code: OpinionRefusal; field?: string } | null {
  if (reason === 'other' && !note?.trim()) return { code: 'invalid_input', field: 'note' };
  if (state === 'hidden') return { code: 'already_hidden' };
  if (state === 'withdrawn') return { code: 'opinion_gone' };
  return null;
}

/** Whether an opinion may be put on the floor: shown, with its text. */
export function canPutOnFloor(o: Pick<Opinion, 'state'>): boolean {
  return o.state === 'visible';
}
