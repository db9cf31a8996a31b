import { can, isPrivileged } from '@yishi/domain';
import { ClientEvents, type ClientEventName, type ClientPayload, type ClientResults, type Result } from '@yishi/protocol';
import { AppError } from '../errors.ts';
import type { LocalLimiter } from '../rate-limit.ts';
import { logFor } from '../realtime/socket-log.ts';
import type { YishiSocket } from '../realtime/types.ts';
import type { Services } from '../services.ts';
import type { EventContext, EventSpec, EventTable } from './feature.ts';

/**
 * Binds every client event of the registered features, each the same way: rate limit, parse
 * with the protocol schema, authorise once from the declared action with can(), run, ack a
 * Result. Handlers only ever see parsed payloads and an authorised principal; bad input gets a
 * typed error and changes nothing.
 */
export function bindEvents(
  socket: YishiSocket,
  services: Services,
  table: Required<EventTable>,
  limiter: LocalLimiter,
  refusals: LocalLimiter,
): void {
  for (const name of Object.keys(ClientEvents) as ClientEventName[]) {
    socket.on(name, (payload: unknown, ack: unknown) => {
      void run(name, payload, ack);
    });
  }

  async function run<E extends ClientEventName>(name: E, payload: unknown, ack: unknown): Promise<void> {
    const reply = (r: Result<ClientResults[E]>) => {
      if (typeof ack === 'function') (ack as (r: Result<ClientResults[E]>) => void)(r);
    };
    try {
      if (!(await limiter.take(socket.id))) {
        // A client that keeps sending after being told it is too fast is not a browser: it is
        // closed, and its reconnections meet the handshake limits (socket-server.ts).
        if (!(await refusals.take(socket.id))) socket.disconnect(true);
        throw new AppError('rate_limited');
      }
      const parsed = ClientEvents[name].safeParse(payload);
      if (!parsed.success) {
        const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))];
        throw new AppError('invalid_input', 'invalid payload', fields);
      }
      const data = await authoriseAndRun(table[name] as unknown as EventSpec<E>, parsed.data as ClientPayload<E>);
      reply({ ok: true, data });
    } catch (err) {
      if (err instanceof AppError) {
        reply({ ok: false, error: { code: err.code, ...(err.fields ? { fields: err.fields } : {}) } });
      } else {
        logFor(services.log, payload).error('socket handler failed', { event: name, err });
        reply({ ok: false, error: { code: 'internal' } });
      }
    }
  }

  async function authoriseAndRun<E extends ClientEventName>(spec: EventSpec<E>, payload: ClientPayload<E>): Promise<ClientResults[E]> {
    // Privileged actions (any a plain member lacks) re-read the session, so a role taken away
    // applies to open connections at once; voting and following use the handshake's.
    if (spec.action && isPrivileged(spec.action)) {
      const fresh = await services.store.sessions.find(socket.data.sessionHash);
      if (!fresh) throw new AppError('unauthenticated');
      socket.data.principal = fresh;
    }
    const ctx: EventContext = { services, socket, principal: socket.data.principal };
    const target = spec.target ? await spec.target(ctx, payload) : null;
    if (spec.action && (!target || !can(ctx.principal, spec.action, target))) throw new AppError('forbidden');
    return spec.handle(ctx, payload);
  }
}
