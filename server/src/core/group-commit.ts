/** One submitted item while it waits for its batch: settle it with resolve or reject. */
export interface Waiting<In, Out> {
  item: In;
  resolve(out: Out): void;
  reject(err: unknown): void;
}

/**
 * Group commit: every item that arrives while a batch is being written goes into the next
 * batch, so a room of thousands acting in the same second costs a few transactions, not
 * thousands (ballots, seconds, consensus positions, Yjs updates). A caller's promise settles
 * only when `write` settles it, after its batch has committed: an acknowledgement always means
 * "stored" (DESIGN.md 5).
 *
 * `write` settles each item of the batch it is given (it may reject some and resolve others).
 * If it throws, nothing of that batch was stored, and every item it had not settled is
 * rejected with the error (the callers may retry; settling a promise twice does nothing).
 */
export class GroupCommit<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly write: (batch: Waiting<In, Out>[]) => Promise<void>,
    /** Most items in one batch; a bigger burst waits for the next. */
    private readonly maxBatch: number,
  ) {}

  submit(item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async flushed(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // Let the items already in flight on the event loop (messages read in this turn) join the
      // first batch: a setImmediate runs after the loop has taken in what was waiting. Measured
      // on the agenda benchmark, starting on a microtask instead wrote every Yjs update alone and
      // kept the loop busier (edit p95 18 -> 30 ms).
      await new Promise((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        try {
          await this.write(batch);
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.running = null;
    }
  }
}
