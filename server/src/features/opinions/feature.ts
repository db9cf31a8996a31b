import { can, normaliseJoinCode, type Principal, type Target } from '@yishi/domain';
import { GENERAL_THREAD_KEY, OPINION_LIMITS, STANCES, type MeetingId, type OpinionId, type ResidentId, type Stance } from '@yishi/protocol';
import { hashToken } from '../../auth/tokens.ts';
import type { EventContext, Feature } from '../../core/feature.ts';
import { actingMember, defineView } from '../../core/feature.ts';
import { AppError } from '../../errors.ts';
import { meetingRoom } from '../../realtime/rooms.ts';
import { meetingTarget } from '../meetings/feature.ts';
import { OpinionFeed, threadModRoom, threadRoom } from './feed.ts';
import { MODERATOR, PUBLIC, toOpinion } from './forms.ts';
import { itemOf, threadOf } from './store.ts';

/** The meeting an event applies to; reading a thread also needs the meeting joined on this socket. */
const onMeeting = (ctx: EventContext, { meetingId }: { meetingId: MeetingId }): Promise<Target> => meetingTarget(ctx, meetingId);
const inMeeting = async (ctx: EventContext, { meetingId }: { meetingId: MeetingId }): Promise<Target> => {
  if (!ctx.socket.rooms.has(meetingRoom(meetingId))) throw new AppError('forbidden', 'join the meeting first');
  return meetingTarget(ctx, meetingId);
};

async function isModerator(ctx: EventContext, meetingId: MeetingId): Promise<boolean> {
  return can(ctx.principal, 'opinion.moderate', await meetingTarget(ctx, meetingId));
}

async function audience(ctx: EventContext, meetingId: MeetingId) {
  return ctx.services.opinions.audienceOf(ctx.principal, await isModerator(ctx, meetingId));
}

const residentOnly = (p: Principal) => {
  if (p.kind !== 'resident') throw new AppError('not_a_resident');
  return p;
};

/**
 * Threaded opinions (issue 11): per agenda item and the meeting's general thread; stances,
 * replies, seconds, reports, moderation that is logged; live through the feed (feed.ts: a
 * thread's changes, coalesced, to its followers only) and three views: `opinions` (settings,
 * the floor, thread sizes), `opinionDigest` (keyed by item, for the facilitator), `moderation`
 * (the log, for council members).
 */
export const opinionsFeature: Feature = {
  name: 'opinions',
  start: ({ services, io, relaysToOtherInstances }) => {
    const feed = new OpinionFeed(io, services.store, services.log, relaysToOtherInstances);
    services.opinions.feed = feed;
    return () => {
      feed.stop();
      services.opinions.feed = null;
    };
  },
  views: [
    defineView({
      kind: 'opinions',
      action: 'meeting.view',
      // It goes to every phone in the meeting, and thread sizes change with every post: at most
      // once a second in a burst (a floor or settings change after a quiet second goes out at once).
      minIntervalMs: 1_000,
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        const [settings, threads] = await Promise.all([store.opinions.settings(meetingId), store.opinions.threadCounts(meetingId)]);
        const floorRow = settings.floorOpinionId ? await store.opinions.get(meetingId, settings.floorOpinionId) : undefined;
        const floorOpinion = floorRow ? toOpinion(floorRow, PUBLIC) : null;
        return {
          version,
          data: {
            anonymousAllowed: settings.anonymousAllowed,
            floor:
              floorOpinion && floorOpinion.text !== null && settings.floorAt
                ? {
                    opinionId: floorOpinion.id,
                    itemId: floorOpinion.itemId,
                    stance: floorOpinion.stance,
                    text: floorOpinion.text,
                    author: floorOpinion.author,
                    seconds: floorOpinion.seconds,
                    since: settings.floorAt.toISOString(),
                  }
                : null,
            threads: threads.map((t) => ({ itemId: itemOf(t.thread), count: Number(t.count) })),
          },
        };
      },
    }),
    defineView({
      kind: 'opinionDigest',
      action: 'opinion.moderate',
      keyed: true,
      compute: async ({ store, nextVersion }, meetingId, key) => {
        const version = await nextVersion();
        const itemId = key === GENERAL_THREAD_KEY ? null : key!;
        const d = await store.opinions.digest(meetingId, threadOf(itemId), OPINION_LIMITS.digestTop);
        const counts = d.counts
          .filter((c): c is typeof c & { stance: Stance } => (STANCES as readonly string[]).includes(c.stance))
          .sort((a, b) => STANCES.indexOf(a.stance) - STANCES.indexOf(b.stance) || a.group.localeCompare(b.group));
        return {
          version,
          data: {
            itemId,
            counts,
            total: counts.reduce((n, c) => n + c.count, 0),
            replies: d.replies,
            top: d.top.map((r) => toOpinion(r, MODERATOR)),
          },
        };
      },
    }),
    defineView({
      kind: 'moderation',
      action: 'opinion.log',
      compute: async ({ store, nextVersion }, meetingId) => {
        const version = await nextVersion();
        const [log, muted] = await Promise.all([store.opinions.moderationLog(meetingId, OPINION_LIMITS.logEntries), store.opinions.muted(meetingId)]);
        return {
          version,
          data: {
            entries: log.map((e) => ({
              id: e.id,
              at: e.at.toISOString(),
              action: e.action as never,
              actor: { memberId: e.actorMemberId as never, name: e.actorName },
              opinionId: (e.opinionId as OpinionId | null) ?? null,
              subject: e.subject,
              reason: (e.reason as never) ?? null,
              note: e.note,
            })),
            muted: muted.map((m) => ({ residentId: m.residentId as ResidentId, name: m.name, at: m.at.toISOString() })),
          },
        };
      },
    }),
  ],
  events: {
    'opinion:post': {
      action: 'opinion.post',
      target: onMeeting,
      handle: async (ctx, body) => ({
        opinion: await ctx.services.opinions.post(ctx.principal, body, await audience(ctx, body.meetingId)),
      }),
    },
    'opinion:edit': {
      action: 'opinion.post',
      target: onMeeting,
      handle: async (ctx, { meetingId, opinionId, text }) => ({
        opinion: await ctx.services.opinions.edit(ctx.principal, meetingId, opinionId, text, await audience(ctx, meetingId)),
      }),
    },
    'opinion:withdraw': {
      action: 'opinion.post',
      target: onMeeting,
      handle: async (ctx, { meetingId, opinionId }) => ({
        opinion: await ctx.services.opinions.withdraw(ctx.principal, meetingId, opinionId, await audience(ctx, meetingId)),
      }),
    },
    'opinion:second': {
      action: 'opinion.post',
      target: onMeeting,
      handle: async (ctx, { meetingId, opinionId, seconded }) => ({
        seconds: await ctx.services.opinions.second(ctx.principal, meetingId, opinionId, seconded),
      }),
    },
    'opinion:report': {
      action: 'opinion.post',
      target: onMeeting,
      handle: async (ctx, { meetingId, opinionId }) => {
        await ctx.services.opinions.report(ctx.principal, meetingId, opinionId);
        return null;
      },
    },
    'opinion:hide': {
      action: 'opinion.moderate',
      target: onMeeting,
      handle: async ({ services, principal }, { meetingId, opinionId, reason, note }) => ({
        opinion: await services.opinions.hide(actingMember(principal).memberId, meetingId, opinionId, reason, note),
      }),
    },
    'opinion:unhide': {
      action: 'opinion.moderate',
      target: onMeeting,
      handle: async ({ services, principal }, { meetingId, opinionId }) => ({
        opinion: await services.opinions.unhide(actingMember(principal).memberId, meetingId, opinionId),
      }),
    },
    'opinion:mute': {
      action: 'opinion.moderate',
      target: onMeeting,
      handle: async ({ services, principal }, { meetingId, residentId, muted, note }) => {
        await services.opinions.mute(actingMember(principal).memberId, meetingId, residentId, muted, note);
        return null;
      },
    },
    'opinion:settings': {
      action: 'meeting.run',
      target: onMeeting,
      handle: async ({ services, principal }, { meetingId, anonymousAllowed }) => {
        await services.opinions.setAnonymousAllowed(actingMember(principal).memberId, meetingId, anonymousAllowed);
        return null;
      },
    },
    'opinion:floor': {
      action: 'meeting.run',
      target: onMeeting,
      handle: async ({ services }, { meetingId, opinionId }) => {
        await services.opinions.setFloor(meetingId, opinionId);
        return null;
      },
    },
    'opinion:verify': {
      action: 'opinion.post',
      target: onMeeting,
      handle: async ({ services, principal }, { meetingId, votingCode }) => {
        residentOnly(principal);
        const code = await services.store.polls.codeByHash(hashToken(normaliseJoinCode(votingCode)));
        await services.opinions.verify(principal, meetingId, code ? { meetingId: code.meetingId } : undefined);
        return { verified: true as const };
      },
    },
    'opinions:follow': {
      action: 'opinion.post',
      target: inMeeting,
      handle: async (ctx, { meetingId, itemId, after }) => {
        const { services, socket, principal } = ctx;
        await services.opinions.checkItem(meetingId, itemId);
        const moderator = await isModerator(ctx, meetingId);
        const thread = threadOf(itemId);
        // Joined before reading, so nothing committed after the read can miss this socket.
        await socket.join(moderator ? threadModRoom(meetingId, thread) : threadRoom(meetingId, thread));
        const read =
          after === undefined
            ? await services.store.opinions.page(meetingId, thread, null, OPINION_LIMITS.pageSize)
            : await services.store.opinions.since(meetingId, thread, after, OPINION_LIMITS.pageSize);
        services.opinions.feed?.following(meetingId, thread, read.cursor);
        const form = services.opinions.audienceOf(principal, moderator);
        return {
          entries: read.rows.map((r) => toOpinion(r, form)),
          // A newest page is a snapshot of the thread: the follower is caught up to its cursor.
          more: read.more,
          cursor: read.cursor,
          self: await services.opinions.self(principal, read.rows),
        };
      },
    },
    'opinions:unfollow': {
      // Leaves rooms of the caller's own socket: nothing to authorise.
      action: null,
      handle: async ({ socket }, { meetingId, itemId }) => {
        const thread = threadOf(itemId);
        await socket.leave(threadRoom(meetingId, thread));
        await socket.leave(threadModRoom(meetingId, thread));
        return null;
      },
    },
    'opinions:since': {
      action: 'opinion.post',
      target: inMeeting,
      handle: async (ctx, { meetingId, itemId, after }) => {
        const { services, principal } = ctx;
        const read = await services.store.opinions.since(meetingId, threadOf(itemId), after, OPINION_LIMITS.pageSize);
        const form = services.opinions.audienceOf(principal, await isModerator(ctx, meetingId));
        return {
          entries: read.rows.map((r) => toOpinion(r, form)),
          more: read.more,
          cursor: read.cursor,
          self: await services.opinions.self(principal, read.rows),
        };
      },
    },
    'opinions:page': {
      action: 'opinion.post',
      target: inMeeting,
      handle: async (ctx, { meetingId, itemId, before }) => {
        const { services, principal } = ctx;
        const read = await services.store.opinions.page(meetingId, threadOf(itemId), before, OPINION_LIMITS.pageSize);
        const form = services.opinions.audienceOf(principal, await isModerator(ctx, meetingId));
        return { entries: read.rows.map((r) => toOpinion(r, form)), more: read.more, self: await services.opinions.self(principal, read.rows) };
      },
    },
  },
};
