import { Router, type Request } from 'express';
import {
  CreateGroupBody,
  CreateMemberBody,
  GroupId,
  MemberId,
  UpdateCouncilBody,
  UpdateGroupBody,
  UpdateMemberBody,
  type LinkOrigin,
  type SignInLink,
} from '@yishi/protocol';
import { hashToken, newToken } from '../../auth/tokens.ts';
import type { Services } from '../../services.ts';
import { councilMember, json, publicOrigin } from '../../http/context.ts';
import { parse } from '../../http/validate.ts';

/**
 * Council set-up: name, quorum, stakeholder groups, members and their sign-in links. Who may do what: can() in packages/domain.
 * Every edit a live meeting may show ends with `live.councilChanged`: the views that show the
 * council's set-up say so themselves (ViewSpec#showsCouncil), so this feature names none of them.
 */
export function councilRoutes(services: Services): Router {
  const r = Router();
  const { store, live } = services;
  const admin = (req: Request) => councilMember(services, req, 'council.manage');
  const issueLink = (req: Request, memberId: MemberId, token: string): SignInLink => ({
    memberId,
    url: `${publicOrigin(services, req)}/signin/${token}`,
  });

  // The web app builds join links and QR codes on this, never on a localhost a phone cannot open.
  r.get(
    '/link-origin',
    json(async (req): Promise<LinkOrigin> => {
      await councilMember(services, req, 'council.view');
      return { origin: publicOrigin(services, req) };
    }),
  );

  r.get(
    '/council',
    json(async (req) => {
      const me = await councilMember(services, req, 'council.view');
      return store.councils.get(me.councilId);
    }),
  );

  r.patch(
    '/council',
    json(async (req) => {
      const me = await admin(req);
      await store.councils.update(me.councilId, parse(UpdateCouncilBody, req.body));
      await live.councilChanged(me.councilId);
      return store.councils.get(me.councilId);
    }),
  );

  r.post(
    '/council/groups',
    json(async (req) => {
      const me = await admin(req);
      await store.councils.createGroup(me.councilId, parse(CreateGroupBody, req.body).name);
      await live.councilChanged(me.councilId);
      return store.councils.get(me.councilId);
    }),
  );

  r.patch(
    '/council/groups/:groupId',
    json(async (req) => {
      const me = await admin(req);
      const groupId = parse(GroupId, req.params.groupId);
      await store.councils.renameGroup(me.councilId, groupId, parse(UpdateGroupBody, req.body).name);
      await live.councilChanged(me.councilId);
      return store.councils.get(me.councilId);
    }),
  );

  r.delete(
    '/council/groups/:groupId',
    json(async (req) => {
      const me = await admin(req);
      await store.councils.deleteGroup(me.councilId, parse(GroupId, req.params.groupId));
      await live.councilChanged(me.councilId);
      return store.councils.get(me.councilId);
    }),
  );

  r.post(
    '/council/members',
    json(async (req) => {
      const me = await admin(req);
      const body = parse(CreateMemberBody, req.body);
      const token = newToken();
      const memberId = await store.councils.createMember(me.councilId, body, hashToken(token));
      await live.councilChanged(me.councilId);
      return { council: await store.councils.get(me.councilId), link: issueLink(req, memberId, token) };
    }),
  );

  r.patch(
    '/council/members/:memberId',
    json(async (req) => {
      const me = await admin(req);
      const memberId = parse(MemberId, req.params.memberId);
      await store.councils.updateMember(me.councilId, memberId, parse(UpdateMemberBody, req.body));
      await live.councilChanged(me.councilId);
      return store.councils.get(me.councilId);
    }),
  );

  r.post(
    '/council/members/:memberId/link',
    json(async (req) => {
      const me = await admin(req);
      const memberId = parse(MemberId, req.params.memberId);
      const token = newToken();
      await store.councils.setLinkTokenHash(me.councilId, memberId, hashToken(token));
      return issueLink(req, memberId, token);
    }),
  );

  r.delete(
    '/council/members/:memberId/link',
    json(async (req) => {
      const me = await admin(req);
      const memberId = parse(MemberId, req.params.memberId);
      await store.councils.setLinkTokenHash(me.councilId, memberId, null);
      // A revoked link may have leaked: end the sessions it opened too.
      await store.sessions.deleteForMember(memberId);
      services.sockets.endMember(memberId);
      return {};
    }),
  );

  return r;
}
