import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FloorView, MeetingId } from '@yishi/protocol';
import { ApiClient, emit, viewOf } from '../../../../test/support/client.ts';
import { setUpPollMeeting, type JoinedSocket, type PollMeeting } from '../../../../test/support/poll-meeting.ts';
import { waitFor } from '../../../../test/support/ports.ts';

/**
 * What the room display shows (issue 11: "the facilitator chooses what the display shows"): the
 * facilitator sets it for the meeting, it is stored (a fresh read of the record sees it), every
 * screen gets it in the floor view, and no one else can change it.
 */
describe('the display mode', () => {
  let setup: PollMeeting;
  let meetingId: MeetingId;
  let fac: JoinedSocket;
  let mem: JoinedSocket;
  let res: JoinedSocket;

  const floorOf = (j: JoinedSocket): FloorView | undefined => viewOf(j.views, meetingId, 'floor')?.data;
  const stored = async () => (await setup.app.services.store.floor.rules(meetingId)).displayMode;
  const waitMode = (j: JoinedSocket, mode: FloorView['displayMode']) =>
    waitFor(() => (floorOf(j)?.displayMode === mode ? true : undefined), 5000, `the display mode ${mode} in the view`);

  beforeAll(async () => {
    setup = await setUpPollMeeting();
    const { c } = setup;
    meetingId = (await setup.newMeeting('一月议事会')).id as MeetingId;
    const { joinCode } = await c.facilitator.ok('GET', `/api/meetings/${meetingId}`);
    const resident = new ApiClient(setup.app.url);
    await resident.ok('POST', '/api/join', { code: joinCode, displayName: '王阿姨' });
    fac = await setup.open(c.facilitator, meetingId);
    mem = await setup.open(c.member, meetingId);
    res = await setup.open(resident, meetingId);
  }, 60_000);
  afterAll(() => setup?.dispose());

  it('is auto until the facilitator chooses', async () => {
    for (const j of [fac, mem, res]) expect(floorOf(j)!.displayMode).toBe('auto');
    expect(await stored()).toBe('auto');
  });

  it("follows the facilitator's choice on every screen, and is kept in the record", async () => {
    expect(await emit(fac.s, 'floor:display', { meetingId, mode: 'join' })).toMatchObject({ ok: true });
    await Promise.all([waitMode(res, 'join'), waitMode(mem, 'join')]);
    expect(await stored()).toBe('join');
    expect(await emit(fac.s, 'floor:display', { meetingId, mode: 'agenda' })).toMatchObject({ ok: true });
    await waitMode(res, 'agenda');
    // A screen that loads afresh asks for the view and gets the choice, not the default.
    const got = await emit(res.s, 'view:get', { meetingId, kind: 'floor' });
    expect(got.ok && got.data.view.kind === 'floor' && got.data.view.data.displayMode).toBe('agenda');
  });

  it('refuses members and residents (forbidden) and bad values (invalid_input), changing nothing', async () => {
    for (const j of [mem, res]) {
      expect(await emit(j.s, 'floor:display', { meetingId, mode: 'poll' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    for (const mode of ['qr', '', null, 3]) {
      expect(await emit(fac.s, 'floor:display', { meetingId, mode } as never)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    expect(await stored()).toBe('agenda');
    expect(floorOf(res)!.displayMode).toBe('agenda');
  });
});
