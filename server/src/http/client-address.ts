import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';

/** express's compiled `trust proxy` (app.get('trust proxy fn')): is the hop at distance i a proxy we trust? */
export type TrustFn = (address: string, hop: number) => boolean;

/**
 * The client's address for a request express does not see (a websocket handshake), by the same
 * rule as express's req.ip: walk X-Forwarded-For from the nearest hop while the hop is trusted.
 */
export function clientAddress(req: IncomingMessage, trust: TrustFn): string {
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .reverse();
  const chain = [req.socket.remoteAddress ?? 'unknown', ...forwarded];
  for (let i = 0; i < chain.length - 1; i++) if (!trust(chain[i]!, i)) return chain[i]!;
  return chain[chain.length - 1]!;
}

/** The address an HTTP request's limits are keyed on: express's req.ip (which honours TRUST_PROXY). */
export function clientKey(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
