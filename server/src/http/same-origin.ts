import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import { originAllowed } from '../realtime/socket-server.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SAFE_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * Cross-site request forgery, including from another port of the same host (same-site, so the
 * SameSite=Lax cookie goes along): every state-changing request must come from an allowed origin.
 *
 * - Origin present (every current browser sends it on POST, PUT, PATCH and DELETE): it must be
 *   this host or in PUBLIC_ORIGIN, as for websockets. `null` (sandboxed frames, data: pages) is refused.
 * - No Origin but Sec-Fetch-Site: only same-origin (or none: typed by the user) passes.
 * - Neither (an old browser, or a script): only with a JSON content type. A page on another site
 *   cannot send that without a CORS preflight, which this server never grants, so a body-less
 *   forged POST from a form or an image cannot get through.
 */
export function sameOriginOnly(allowlist: () => readonly string[]): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const origin = req.headers.origin;
    if (origin !== undefined) {
      return next(originAllowed(req, allowlist()) ? undefined : new AppError('bad_origin', 'cross-origin request'));
    }
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string') {
      return next(SAFE_FETCH_SITES.has(site) ? undefined : new AppError('bad_origin', `sec-fetch-site: ${site}`));
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    next(type === 'application/json' ? undefined : new AppError('bad_origin', 'no Origin and not JSON'));
  };
}
