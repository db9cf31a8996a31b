import { Router, type Request } from 'express';
import { LinkSignInBody, PasswordSignInBody, SetPasswordBody, SetupBody, type SetupStatus } from '@yishi/protocol';
import { hashPassword, hashToken, verifyPassword } from '../../auth/tokens.ts';
import { memberPrincipal } from './store.ts';
import { AppError } from '../../errors.ts';
import type { Services } from '../../services.ts';
import { clientKey } from '../../http/client-address.ts';
import { councilMember, json, principalFrom } from '../../http/context.ts';
import { clearSessionCookie, sessionFromRequest, startSession } from '../../http/session-cookie.ts';
import { sessionView } from '../../http/session-view.ts';
import { parse } from '../../http/validate.ts';

export function authRoutes(services: Services): Router {
  const r = Router();
  const { store, limits } = services;
  const limit = async (req: Request) => {
    if (!(await limits.perAddress.take(clientKey(req)))) throw new AppError('rate_limited');
  };

  r.get(
    '/session',
    json(async (req) => sessionView(services, await principalFrom(services, req))),
  );

  r.get(
    '/setup',
    json(async (): Promise<SetupStatus> => ({ needed: await store.councils.needsSetup() })),
  );

  r.post(
    '/setup',
    json(async (req, res) => {
      await limit(req);
      const body = parse(SetupBody, req.body);
      const { adminId } = await store.councils.setup(body.token, body.councilName, body.adminName);
      const admin = await store.councils.memberById(adminId);
      if (!admin) throw new AppError('internal', 'admin vanished');
      const principal = await startSession(store, req, res, memberPrincipal(admin));
      services.log.info('council created');
      return sessionView(services, principal);
    }),
  );

  r.post(
    '/auth/link',
    json(async (req, res) => {
      await limit(req);
      const body = parse(LinkSignInBody, req.body);
      const member = await store.councils.memberByLinkHash(hashToken(body.token));
      if (!member) throw new AppError('bad_credentials', 'unknown or revoked link');
      return sessionView(services, await startSession(store, req, res, memberPrincipal(member)));
    }),
  );

  r.post(
    '/auth/password',
    json(async (req, res) => {
      await limit(req);
      const body = parse(PasswordSignInBody, req.body);
      // Password guesses are limited per login as well, whatever address they come from.
      if (!(await limits.perLogin.take(body.login.toLowerCase()))) throw new AppError('rate_limited');
      const member = await store.councils.memberByLogin(body.login);
      // Same answer for an unknown login and a wrong password: logins are not enumerable.
      if (!member?.passwordHash || !(await verifyPassword(body.password, member.passwordHash))) throw new AppError('bad_credentials');
      return sessionView(services, await startSession(store, req, res, memberPrincipal(member)));
    }),
  );

  r.post(
    '/auth/logout',
    json(async (req, res) => {
      const s = await sessionFromRequest(store, req);
      if (s) {
        await store.sessions.delete(s.tokenHash);
        services.sockets.endSession(s.tokenHash);
      }
      clearSessionCookie(res);
      return {};
    }),
  );

  r.put(
    '/me/password',
    json(async (req) => {
      const me = await councilMember(services, req, 'council.view');
      const body = parse(SetPasswordBody, req.body);
      await store.councils.setPassword(me.memberId, body.login, await hashPassword(body.password));
      return sessionView(services, me);
    }),
  );

  return r;
}
