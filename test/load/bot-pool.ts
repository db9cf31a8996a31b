/**
 * The pool of bot worker threads shared by the benchmarks: bench-bots.ts for bench-votes.ts and
 * bench-agenda.ts (the default), bench-opinions-viewers.ts for bench-opinions.ts (its own worker
 * and messages: the type parameters). The measuring thread only sends schedules and collects records.
 */
import { fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
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
  private readonly workers: BotWorker<To, From>[];
  private readonly inbox = new Map<BotWorker<To, From>, From[]>();
  private readonly waiting = new Map<BotWorker<To, From>, () => void>();
  private failure: Error | null = null;

  /**
   * `entry`: the worker's module (bench-bots-worker.mjs by default). `processes`: each worker a
   * child process rather than a thread of this one (the default bots only), so that nothing of the
   * bots' work (their garbage collection shares this process's V8 helper threads) can hold up the
   * measuring thread; bench-agenda.ts measures its editors on this thread. `nice`: the processes'
   * scheduling priority (0 to 19): phones have CPUs of their own, but here thousands of them share
   * the 2 cores with the server under test, and at a lower priority they take what it leaves.
   */
  constructor(count: number, opts: { processes?: boolean; entry?: URL; nice?: number } = {}) {
    const entry = opts.entry ?? new URL('./bench-bots-worker.mjs', import.meta.url);
    this.workers = Array.from({ length: count }, () =>
      opts.processes && !opts.entry ? botProcess<To, From>(opts.nice ?? 0) : botThread<To, From>(entry),
    );
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

  private async receive<T extends From['type']>(w: BotWorker<To, From>, type: T): Promise<Extract<From, { type: T }>> {
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

/** A bot worker, a thread or a process. */
interface BotWorker<To, From> {
  postMessage(m: To | { type: 'stop' }): void;
  on(event: 'message', fn: (m: From | Progress) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  once(event: 'exit', fn: (code: unknown) => void): void;
  terminate(): Promise<unknown>;
}

function botThread<To, From>(entry: URL): BotWorker<To, From> {
  return new Worker(entry) as unknown as BotWorker<To, From>;
}

function botProcess<To, From>(nice: number): BotWorker<To, From> {
  const child = fork(fileURLToPath(new URL('./bench-bots.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (nice !== 0 && child.pid !== undefined) setPriority(child.pid, nice);
  return {
    postMessage: (m) => void child.send(m as object),
    on: (event: 'message' | 'error', fn: (x: any) => void) => void child.on(event, fn),
    once: (event, fn) => void child.once(event, fn),
    terminate: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
