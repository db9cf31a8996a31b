import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '@yishi/protocol';
import type { Principal } from '@yishi/domain';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { SessionOwner } from '../storage/sessions.ts';
import { lanAddresses, linkOrigin } from './link-origin.ts';
import { logOf } from './request-log.ts';
import { sessionFromRequest } from './session-cookie.ts';

/** Wraps an async JSON handler: the value it returns is the 200 body; AppErrors become typed errors. */
export function json<T>(fn: (req: Request, res: Response) => Promise<T>): RequestHandler {
  return (req, res, next) => {
    fn(req, res).then((value) => res.json(value), next);
  };
}

export async function ownerOf(services: Services, req: Request): Promise<SessionOwner | null> {
  const s = await sessionFromRequest(services.store, req);
  return s?.owner ?? null;
}

export type MemberOwner = Extract<SessionOwner, { kind: 'member' }>;

export async function requireMember(services: Services, req: Request, roles?: readonly Role[]): Promise<MemberOwner> {
  const owner = await ownerOf(services, req);
  if (!owner) throw new AppError('unauthenticated');
  if (owner.kind !== 'member') throw new AppError('forbidden', 'members only');
  if (roles && !roles.includes(owner.role)) throw new AppError('forbidden', `needs ${roles.join('/')}`);
  return owner;
}

export function principalOf(owner: SessionOwner): Principal {
  return owner.kind === 'member'
    ? { kind: 'member', councilId: owner.councilId, role: owner.role }
    : { kind: 'resident', meetingId: owner.meetingId };
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
