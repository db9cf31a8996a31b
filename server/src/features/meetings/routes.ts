import { Router } from 'express';
import { isJoinable, normaliseJoinCode } from '@yishi/domain';
import { CreateMeetingBody, MeetingId, ResidentJoinBody, UpdateMeetingBody, type JoinPreview } from '@yishi/protocol';
import { AppError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { clientKey } from '../../http/client-address.ts';
import { authorize, councilMember, json, signedIn } from '../../http/context.ts';
import { startSession } from '../../http/session-cookie.ts';
import { sessionView } from '../../http/session-view.ts';
import { parse } from '../../http/validate.ts';
import { publicDecisions } from './decisions.ts';

export function meetingRoutes(services: Services): Router {
  const limiter = services.limits.perAddress;
  const r = Router();
  const { store, live } = services;

  r.get(
    '/meetings',
    json(async (req) => {
      const me = await councilMember(services, req, 'council.view');
      return store.meetings.list(me.councilId);
    }),
  );

  r.post(
    '/meetings',
    json(async (req) => {
      const me = await councilMember(services, req, 'meeting.create');
      const id = await store.meetings.create(me.councilId, parse(CreateMeetingBody, req.body), me.memberId);
      return store.meetings.get(id);
    }),
  );

  r.get(
    '/meetings/:meetingId',
    json(async (req) => {
      const principal = await signedIn(services, req);
      const meeting = await store.meetings.get(parse(MeetingId, req.params.meetingId));
      authorize(principal, 'meeting.view', { councilId: meeting.councilId, meetingId: meeting.id });
      return meeting;
    }),
  );

  r.patch(
    '/meetings/:meetingId',
    json(async (req) => {
      const principal = await signedIn(services, req);
      const id = parse(MeetingId, req.params.meetingId);
      const meeting = await store.meetings.get(id);
      authorize(principal, 'meeting.edit', { councilId: meeting.councilId, meetingId: id });
      await store.meetings.update(id, parse(UpdateMeetingBody, req.body));
      live.invalidate(id, 'meeting');
      return store.meetings.get(id);
    }),
  );

  // Residents: a code (typed, or inside a link or QR) and a display name; no account.
  r.get(
    '/join/:code',
    json(async (req): Promise<JoinPreview> => {
      if (!(await limiter.take(clientKey(req)))) throw new AppError('rate_limited');
      const code = normaliseJoinCode(String(req.params.code).slice(0, 20));
      const m = await store.meetings.byJoinCode(code);
      if (!m) throw new AppError('not_found', 'no meeting with this code');
      // A closed meeting's code (on a poster, in a chat) still answers: it ended, and this is what it decided.
      const decisions = isJoinable(m.state) ? [] : (await publicDecisions(store, m.id)).map(({ title, outcomes }) => ({ title, outcomes }));
      return { meetingId: m.id, title: m.title, councilName: m.councilName, state: m.state, startsAt: m.startsAt, decisions };
    }),
  );

  r.post(
    '/join',
    json(async (req, res) => {
      if (!(await limiter.take(clientKey(req)))) throw new AppError('rate_limited');
      const body = parse(ResidentJoinBody, req.body);
      const m = await store.meetings.byJoinCode(normaliseJoinCode(body.code));
      if (!m || !isJoinable(m.state)) throw new AppError('not_found', 'no meeting with this code');
      const residentId = await store.meetings.createResident(m.id, body.displayName);
      return sessionView(
        services,
        await startSession(store, req, res, { kind: 'resident', residentId, meetingId: m.id, displayName: body.displayName }),
      );
    }),
  );

  return r;
}
