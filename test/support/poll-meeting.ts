import type { PollView, ViewSnapshot } from '@yishi/protocol';
import { ApiClient, pollsOf, joinTracking, type YishiClientSocket } from './client.ts';
import { setUpCouncil } from './council.ts';
import { startInProcess } from './in-process.ts';

export { majority, rollCallMembersMotion, secretMembersMotion } from './poll-fields.ts';

export interface JoinedSocket {
  s: YishiClientSocket;
  /** Every view the socket has been sent, the join's included. */
  views: Map<string, ViewSnapshot>;
}

/**
 * What the in-process poll tests start from: one embedded instance and the council of
 * setUpCouncil (王主任 admin, 李主持 facilitator, 张业主 member). Meetings are made by `newMeeting`,
 * after any extra members a test adds. Call in beforeAll and `dispose()` in afterAll: it closes
 * every socket `open` made, then the instance.
 */
export async function setUpPollMeeting(env: Record<string, string> = {}) {
  const app = await startInProcess(env);
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  try {
    c = await setUpCouncil(app.url, app.setupUrl!);
  } catch (err) {
    await app.dispose();
    throw err;
  }
  const sockets: YishiClientSocket[] = [];
  return {
    app,
    c,
    /** A hybrid meeting of the council, made by its facilitator. */
    newMeeting: async (title: string): Promise<{ id: string; joinCode: string }> => {
      const m = await c.facilitator.ok('POST', '/api/meetings', { title, startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
      return { id: m.id, joinCode: m.joinCode };
    },
    /** A member (or secretary) of the council's first group, signed in through their link. */
    addMember: async (name: string, role: 'member' | 'secretary' = 'member'): Promise<{ id: string; client: ApiClient }> => {
      const m = await c.admin.ok('POST', '/api/council/members', { name, groupId: c.council.groups[0].id, role });
      const client = new ApiClient(app.url);
      await client.ok('POST', '/api/auth/link', { token: m.link.url.split('/signin/')[1] });
      return { id: m.link.memberId, client };
    },
    /** A socket of `client` that has joined the meeting, with the views it is sent. */
    open: async (client: ApiClient, meetingId: string): Promise<JoinedSocket> => {
      const s = client.socket();
      sockets.push(s);
      const views = await joinTracking(s, meetingId);
      return { s, views };
    },
    /** One poll as the meeting's polls view in `views` shows it. */
    pollView: (views: Map<string, ViewSnapshot>, meetingId: string, pollId: string): PollView | undefined =>
      pollsOf(views, meetingId)?.polls.find((p) => p.poll.definition.id === pollId),
    dispose: async () => {
      for (const s of sockets) s.close();
      await app.dispose();
    },
  };
}

export type PollMeeting = Awaited<ReturnType<typeof setUpPollMeeting>>;
