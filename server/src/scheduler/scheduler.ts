import type { Logger } from '../log.ts';
import type { DeadlineClaim, DeadlineStore } from '../storage/deadlines.ts';

/** Acts on one deadline of its kind; `subject` is what the feature set it for (a poll's id...). */
export type DeadlineHandler = (subject: string, dueAt: Date) => Promise<void>;

export interface SchedulerOptions {
  /** Names this instance in the claims (for an operator reading the table). */
  instanceId: string;
  /** How often the table is asked for due deadlines: the precision of every deadline. */
  pollMs?: number;
  /** A claim older than this is taken over by another instance (its claimer died or hangs). */
  leaseMs?: number;
}

/** A failed handler is retried after this, doubling per attempt up to RETRY_MAX_MS. */
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/**
 * The one scheduler for deadlines (poll auto-close; speaking timers and time boxes later):
 * features register a handler per kind and store deadlines through DeadlineStore, in the same
 * transaction as the row they belong to. Deadlines live in the database, so they survive a
 * restart; each instance asks every `pollMs` for due ones, and a claim with a lease makes
 * exactly one instance act on each (another takes over if the claimer dies before finishing).
 * A handler must be safe to run again after a crash (closing a closed poll does nothing).
 */
export class Scheduler {
  private readonly handlers = new Map<string, DeadlineHandler>();
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> | undefined;
  private storeFailing = false;
  private readonly pollMs: number;
  private readonly leaseMs: number;

  constructor(
    private readonly store: DeadlineStore,
    private readonly log: Logger,
    private readonly options: SchedulerOptions,
  ) {
    this.pollMs = options.pollMs ?? 1_000;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  /** One handler per kind; a feature registers its own before start(). */
  register(kind: string, handler: DeadlineHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for ${kind} deadlines is already registered`);
    this.handlers.set(kind, handler);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runDue(), this.pollMs);
    this.timer.unref();
  }

  /** Stops asking; waits for the deadlines being handled now (a clean shutdown finishes them). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One pass: claims what is due and handles it. Overlapping calls share the pass under way. */
  runDue(): Promise<void> {
    this.pass ??= this.claimAndHandle().finally(() => (this.pass = undefined));
    return this.pass;
  }

  private async claimAndHandle(): Promise<void> {
    let claims: DeadlineClaim[];
    try {
      claims = await this.store.claimDue(this.options.instanceId, this.leaseMs);
      if (this.storeFailing) this.log.info('deadlines readable again');
      this.storeFailing = false;
    } catch (err) {
      // The database is away: said once, not every second until it returns.
      if (!this.storeFailing) this.log.error('deadlines could not be read', { err });
      this.storeFailing = true;
      return;
    }
    // One at a time: a poll's close is heavy, and the others wait well within the lease.
    for (const claim of claims) await this.handle(claim);
  }

  private async handle(claim: DeadlineClaim): Promise<void> {
    const log = this.log.child({ deadline: claim.kind, subject: claim.subject });
    const handler = this.handlers.get(claim.kind);
    try {
      if (!handler) {
        // Another version of the server set it (a rolling upgrade): left for an instance that knows it.
        log.warn('no handler for this kind of deadline here; retried later');
        await this.store.retryLater(claim, RETRY_MAX_MS);
        return;
      }
      const started = performance.now();
      await handler(claim.subject, claim.dueAt);
      const completed = await this.store.complete(claim);
      log.info('deadline handled', {
        lateMs: Date.now() - claim.dueAt.getTime(),
        ms: Math.round(performance.now() - started),
        instance: this.options.instanceId,
        // false: it was moved or taken over meanwhile, and stays for its new time or claimer.
        completed,
      });
    } catch (err) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (claim.attempts - 1));
      log.error('deadline handler failed; retried later', { err, attempts: claim.attempts, retryInMs: delay });
      await this.store.retryLater(claim, delay).catch((e: unknown) => log.error('deadline could not be released; its lease will expire', { err: e }));
    }
  }
}
