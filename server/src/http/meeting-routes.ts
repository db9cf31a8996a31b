import { Router } from 'express';
import { can, isJoinable, normaliseJoinCode } from '@yishi/domain';
import { CreateMeetingBody, MeetingId, ResidentJoinBody, UpdateMeetingBody, type JoinPreview } from '@yishi/protocol';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { clientKey } from './auth-routes.ts';
import { json, ownerOf, principalOf, requireMember } from './context.ts';
import { startSession } from './session-cookie.ts';
import { sessionView } from './session-view.ts';
import { parse } from './validate.ts';

export function meetingRoutes(services: Services): Router {
  const limiter = services.limits.perAddress;
  const r = Router();
  const { store, live } = services;

  r.get(
    '/meetings',
    json(async (req) => {
      const me = await requireMember(services, req);
      return store.meetings.list(me.councilId);
    }),
  );

  r.post(
    '/meetings',
    json(async (req) => {
      const me = await requireMember(services, req, ['admin', 'facilitator']);
      const id = await store.meetings.create(me.councilId, parse(CreateMeetingBody, req.body), me.memberId);
      return store.meetings.get(id);
    }),
  );

  r.get(
    '/meetings/:meetingId',
    json(async (req) => {
      const owner = await ownerOf(services, req);
      if (!owner) throw new AppError('unauthenticated');
      const meeting = await store.meetings.get(parse(MeetingId, req.params.meetingId));
      if (!can(principalOf(owner), 'meeting.view', { councilId: meeting.councilId, meetingId: meeting.id }))
        throw new AppError('forbidden');
      return meeting;
    }),
  );

  r.patch(
    '/meetings/:meetingId',
    json(async (req) => {
      const me = await requireMember(services, req);
      const id = parse(MeetingId, req.params.meetingId);
      const meeting = await store.meetings.get(id);
      if (!can(principalOf(me), 'meeting.create', { councilId: meeting.councilId, meetingId: id })) throw new AppError('forbidden');
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
      if (!m || !isJoinable(m.state)) throw new AppError('not_found', 'no meeting with this code');
      return { meetingId: m.id, title: m.title, councilName: m.councilName, state: m.state, startsAt: m.startsAt };
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
      return sessionView(services, await startSession(store, req, res, { kind: 'resident', residentId, meetingId: m.id, displayName: body.displayName }));
    }),
  );

  return r;
}
