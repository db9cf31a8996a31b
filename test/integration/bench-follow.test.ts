import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connected, emit } from '../support/client.ts';
import { setUpPollMeeting, type PollMeeting } from '../support/poll-meeting.ts';
import { waitFor } from '../support/ports.ts';
import { follow } from '../load/follow.ts';

/**
 * Issue 9: the 5,000-voter benchmark stopped on a `view:get` answered `forbidden` after a busy
 * server had dropped every socket. A reconnection is a new socket on the server, in no room;
 * the bench's facilitator joined the meeting only once. Its connection now rejoins at every
 * connection, as the web app does.
 */
describe("the bench's facilitator after a reconnection", () => {
  let setup: PollMeeting;

  beforeAll(async () => {
    setup = await setUpPollMeeting();
  });
  afterAll(() => setup?.dispose());

  it('asks for a view after its connection was dropped and came back', async () => {
    const { id: meetingId } = await setup.newMeeting('重连之后');
    const s = setup.c.facilitator.socket();
    try {
      await connected(s);
      const f = follow(s, meetingId);
      await f.ready();
      expect(await emit(s, 'view:get', { meetingId, kind: 'polls' })).toMatchObject({ ok: true });

      // What a ping timeout does: the transport goes, the client reconnects by itself.
      const first = s.id;
      s.io.engine.close();
      await waitFor(() => s.connected && s.id !== first, 20_000, 'the reconnection');
      await f.ready();
      expect(f.reconnects).toBe(1);
      expect(await emit(s, 'view:get', { meetingId, kind: 'polls' })).toMatchObject({ ok: true });
    } finally {
      s.close();
    }
  });
});
