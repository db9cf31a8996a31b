import { parse as parseCookie, serialize } from 'cookie';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { hashToken, newToken } from '../auth/tokens.ts';
import type { Principal } from '@yishi/domain';
import { SESSION_DAYS } from '../features/auth/store.ts';
import type { Store } from '../storage/store.ts';

export const SESSION_COOKIE = 'yishi_session';

function isSecure(req: IncomingMessage): boolean {
  return (req.headers['x-forwarded-proto'] ?? '') === 'https' || (req.socket as { encrypted?: boolean }).encrypted === true;
}

/** The hash of the session cookie's token, without asking the database whether it is a session. */
export function sessionTokenHash(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  const token = parseCookie(header)[SESSION_COOKIE];
  if (!token || token.length > 200) return null;
  return hashToken(token);
}

/** Reads the session for an HTTP request or a websocket handshake (the same cookie serves both). */
export async function sessionFromRequest(store: Store, req: IncomingMessage): Promise<{ principal: Principal; tokenHash: string } | null> {
  const tokenHash = sessionTokenHash(req);
  if (!tokenHash) return null;
  const principal = await store.sessions.find(tokenHash);
  return principal ? { principal, tokenHash } : null;
}

export async function startSession(store: Store, req: Request, res: Response, principal: Principal): Promise<Principal> {
  // Replace, never stack: a resident joining another meeting gets a new identity.
  const previous = await sessionFromRequest(store, req);
  if (previous) await store.sessions.delete(previous.tokenHash);
  const token = newToken();
  const tokenHash = hashToken(token);
  await store.sessions.create(tokenHash, principal.kind === 'member' ? { memberId: principal.memberId } : { residentId: principal.residentId });
  res.setHeader(
    'Set-Cookie',
    serialize(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecure(req),
      path: '/',
      maxAge: SESSION_DAYS * 86_400,
    }),
  );
  return principal;
}

export function clearSessionCookie(res: Response): void {
  res.setHeader('Set-Cookie', serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', path: '/', maxAge: 0 }));
}
