import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { can, type Action, type Principal, type Target } from '@yishi/domain';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { lanAddresses, linkOrigin } from './link-origin.ts';
import { logOf } from './request-log.ts';
import { sessionFromRequest } from './session-cookie.ts';

/** Wraps an async JSON handler: the value it returns is the 200 body; AppErrors become typed errors. */
export function json<T>(fn: (req: Request, res: Response) => Promise<T>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).then((value) => res.json(value), next);
  };
}

/** Who sends this request (the session cookie's holder), or null when signed out. */
export async function principalFrom(services: Services, req: Request): Promise<Principal | null> {
  const s = await sessionFromRequest(services.store, req);
  return s?.principal ?? null;
}

export type MemberPrincipal = Extract<Principal, { kind: 'member' }>;

/** Refuses unless `principal` may do `action` on `target` (packages/domain's can(), the one rule). */
export function authorize(principal: Principal, action: Action, target: Target): void {
  if (!can(principal, action, target)) throw new AppError('forbidden', action);
}

/** The signed-in principal of a request, or unauthenticated. */
export async function signedIn(services: Services, req: Request): Promise<Principal> {
  const principal = await principalFrom(services, req);
  if (!principal) throw new AppError('unauthenticated');
  return principal;
}

/**
 * A member acting on their own council (settings, the meetings list, a new meeting), allowed
 * `action` there. A resident belongs to no council: can() refuses them every council action.
 */
export async function councilMember(services: Services, req: Request, action: Action): Promise<MemberPrincipal> {
  const principal = await signedIn(services, req);
  if (principal.kind !== 'member') throw new AppError('forbidden', action);
  authorize(principal, action, { councilId: principal.councilId });
  return principal;
}

/**
 * The origin for links we hand out: the configured public origin, else the one the browser used,
 * unless that is localhost: then a LAN address a phone can open (see linkOrigin).
 */
export function publicOrigin(services: Services, req: Request): string {
  const proto = (req.headers['x-forwarded-proto'] as string | undefined)?.split(',')[0]?.trim() || req.protocol;
  return linkOrigin({
    publicOrigin: services.config.PUBLIC_ORIGIN[0],
    requestOrigin: req.headers.host ? `${proto}://${req.headers.host}` : undefined,
    listenHost: services.config.HOST,
    port: req.socket.localPort ?? services.config.PORT,
    lan: lanAddresses(),
  });
}

export function errorMiddleware(services: Services) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.fields ? { fields: err.fields } : {}) } });
      return;
    }
    // body-parser's own errors: oversized and malformed bodies are the client's fault.
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'payload_too_large' } });
      return;
    }
    if (e.type === 'entity.parse.failed' || e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      res.status(400).json({ error: { code: 'invalid_input', message: 'malformed JSON' } });
      return;
    }
    logOf(res, services.log).error('request failed', { err });
    res.status(500).json({ error: { code: 'internal' } });
  };
}
