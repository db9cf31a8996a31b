import type { GroupId, HideReason, MeetingId, Opinion, OpinionCounts, OpinionId, Stance } from '@yishi/protocol';
import { itemOf, stateOf, type OpinionRow } from './store.ts';

/**
 * Who reads an opinion decides its form: moderators see anonymous authors' names, the text of
 * hidden opinions and the report count; everyone else sees placeholders, except the author, who
 * still sees the text of their own hidden opinion (`viewerRef`, in answers to one socket only:
 * pushes to a room carry the public form and the author's client keeps the text it holds).
 */
export type Audience = { kind: 'moderator' } | { kind: 'public'; viewerRef?: string };

export const PUBLIC: Audience = { kind: 'public' };
export const MODERATOR: Audience = { kind: 'moderator' };

export function toOpinion(r: OpinionRow, audience: Audience): Opinion {
  const state = stateOf(r);
  const mod = audience.kind === 'moderator';
  const own = audience.kind === 'public' && audience.viewerRef === r.authorRef;
  const seesAuthor = mod || own || !r.anonymous;
  return {
    id: r.id as OpinionId,
    meetingId: r.meetingId as MeetingId,
    itemId: itemOf(r.thread),
    seq: r.seq,
    rev: r.rev,
    parentId: (r.parentId as OpinionId | null) ?? null,
    depth: r.depth,
    replyingTo: r.replyingTo,
    stance: (r.stance as Stance | null) ?? null,
    text: state === 'withdrawn' ? null : state === 'hidden' && !mod && !own ? null : r.text,
    author: {
      kind: r.authorResidentId ? 'resident' : 'member',
      name: seesAuthor ? r.authorName : null,
      groupId: (r.authorGroupId as GroupId | null) ?? null,
      verified: r.verified,
      anonymous: r.anonymous,
      ref: seesAuthor ? r.authorRef : null,
    },
    createdAt: r.createdAt.toISOString(),
    editedAt: r.editedAt ? r.editedAt.toISOString() : null,
    state,
    hidden: r.hiddenReason ? { reason: r.hiddenReason as HideReason, note: r.hiddenNote } : null,
    seconds: r.seconds,
    ...(mod ? { reports: r.reports } : {}),
  };
}

export function toCounts(r: OpinionRow, audience: Audience): OpinionCounts {
  return { id: r.id as OpinionId, rev: r.rev, seconds: r.seconds, ...(audience.kind === 'moderator' ? { reports: r.reports } : {}) };
}
