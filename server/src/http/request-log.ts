import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../log.ts';

/**
 * Gives each HTTP request an id (a UUID, answered in `X-Request-Id`) and a child logger carrying
 * it, so the lines of one request can be found together and a user's report ("it said internal
 * error") matched to its line. Each request is logged at debug level when it ends: method, path
 * without its query (sign-in and setup links carry tokens there), status and time.
 */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const reqId = randomUUID();
    const child = log.child({ reqId });
    res.locals.log = child;
    res.setHeader('X-Request-Id', reqId);
    const started = performance.now();
    res.once('finish', () =>
      child.debug('request', { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) }),
    );
    next();
  };
}

/** The request's logger (see requestLog), else the one given. */
export function logOf(res: Response, fallback: Logger): Logger {
  return (res.locals.log as Logger | undefined) ?? fallback;
}
