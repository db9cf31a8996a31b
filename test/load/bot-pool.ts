/**
 * The pool of bot worker threads shared by the benchmarks: bench-bots.ts for bench-votes.ts and
 * bench-agenda.ts (the default), bench-opinions-viewers.ts for bench-opinions.ts (its own worker
 * and messages: the type parameters). The measuring thread only sends schedules and collects records.
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
type Progress = { type: 'progress'; joined: number; connectRetries: number; joinRetries: number };

export class Bots<To extends { type: string } = ToWorker, From extends { type: string } = FromWorker> {
  private readonly workers: Worker[];
  private readonly inbox = new Map<Worker, From[]>();
  private readonly waiting = new Map<Worker, () => void>();
  private failure: Error | null = null;

  constructor(count: number, entry: URL = new URL('./bench-bots-worker.mjs', import.meta.url)) {
    this.workers = Array.from({ length: count }, () => new Worker(entry));
    for (const w of this.workers) {
      this.inbox.set(w, []);
      w.on('message', (m: From | Progress) => {
        if (m.type === 'progress') {
          const p = m as Progress;
          log(`  worker ${this.workers.indexOf(w)}: ${p.joined} clients in (connect retries ${p.connectRetries}, join retries ${p.joinRetries})`);
          return;
        }
        if (m.type === 'error') this.failure = new Error(`bot worker: ${(m as unknown as { message: string }).message}`);
        else this.inbox.get(w)!.push(m as From);
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
  async ask<T extends From['type']>(messages: (w: number) => To, type: T): Promise<Extract<From, { type: T }>[]> {
    this.workers.forEach((w, n) => w.postMessage(messages(n)));
    return Promise.all(this.workers.map((w) => this.receive(w, type)));
  }

  private async receive<T extends From['type']>(w: Worker, type: T): Promise<Extract<From, { type: T }>> {
    for (;;) {
      if (this.failure) throw this.failure;
      const box = this.inbox.get(w)!;
      const at = box.findIndex((m) => m.type === type);
      if (at >= 0) return box.splice(at, 1)[0] as Extract<From, { type: T }>;
      await new Promise<void>((r) => this.waiting.set(w, r));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        w.postMessage({ type: 'stop' });
        await Promise.race([new Promise((r) => w.once('exit', r)), sleep(5000)]);
        await w.terminate();
      }),
    );
  }
}
