/**
 * The pool of bot worker threads (bench-bots.ts) shared by the benchmarks (bench-votes.ts,
 * bench-agenda.ts): the measuring thread only sends schedules and collects records.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './bench-shared.ts';

const log = (...a: unknown[]) => console.error(new Date().toISOString(), ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The clients live in worker threads (bench-bots.ts): parsing 5,000 x 4 snapshots a second on
 * the measuring thread made the bench itself lag by up to 1.3 s, and that lag was counted as the
 * server's. Client i and every ballot it casts belong to worker i mod W.
 */
export class Bots {
  private readonly workers: Worker[];
  private readonly inbox = new Map<Worker, FromWorker[]>();
  private readonly waiting = new Map<Worker, () => void>();
  private failure: Error | null = null;

  constructor(count: number) {
    this.workers = Array.from({ length: count }, () => new Worker(new URL('./bench-bots-worker.mjs', import.meta.url)));
    for (const w of this.workers) {
      this.inbox.set(w, []);
      w.on('message', (m: FromWorker) => {
        if (m.type === 'progress') {
          log(`  worker ${this.workers.indexOf(w)}: ${m.joined} clients in (connect retries ${m.connectRetries}, join retries ${m.joinRetries})`);
          return;
        }
        if (m.type === 'error') this.failure = new Error(`bot worker: ${m.message}`);
        else this.inbox.get(w)!.push(m);
        this.waiting.get(w)?.();
      });
      w.on('error', (err) => {
        this.failure = err;
        this.waiting.get(w)?.();
      });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends each worker its own message and waits for the reply of type `type` from every one. */
  async ask<T extends FromWorker['type']>(messages: (w: number) => ToWorker, type: T): Promise<Extract<FromWorker, { type: T }>[]> {
    this.workers.forEach((w, n) => w.postMessage(messages(n)));
    return Promise.all(this.workers.map((w) => this.receive(w, type)));
  }

  private async receive<T extends FromWorker['type']>(w: Worker, type: T): Promise<Extract<FromWorker, { type: T }>> {
    for (;;) {
      if (this.failure) throw this.failure;
      const box = this.inbox.get(w)!;
      const at = box.findIndex((m) => m.type === type);
      if (at >= 0) return box.splice(at, 1)[0] as Extract<FromWorker, { type: T }>;
      await new Promise<void>((r) => this.waiting.set(w, r));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        w.postMessage({ type: 'stop' } satisfies ToWorker);
        await Promise.race([new Promise((r) => w.once('exit', r)), sleep(5000)]);
        await w.terminate();
      }),
    );
  }
}
