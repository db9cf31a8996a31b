/**
 * The pool of bot worker threads (bench-bots.ts) shared by the benchmarks (bench-votes.ts,
 * bench-agenda.ts): the measuring thread only sends schedules and collects records.
 */
import { fork } from 'node:child_process';
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
export class Bots {
  private readonly workers: BotWorker[];
  private readonly inbox = new Map<BotWorker, FromWorker[]>();
  private readonly waiting = new Map<BotWorker, () => void>();
  private failure: Error | null = null;

  /**
   * `processes`: each worker a child process rather than a thread of this one, so that nothing
   * of the bots' work (their garbage collection shares this process's V8 helper threads) can hold
   * up the measuring thread; bench-agenda.ts measures its editors on this thread.
   */
  constructor(count: number, opts: { processes?: boolean } = {}) {
    this.workers = Array.from({ length: count }, () => (opts.processes ? botProcess() : botThread()));
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

  private async receive<T extends FromWorker['type']>(w: BotWorker, type: T): Promise<Extract<FromWorker, { type: T }>> {
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

/** A bot worker, a thread or a process. */
interface BotWorker {
  postMessage(m: ToWorker): void;
  on(event: 'message', fn: (m: FromWorker) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  once(event: 'exit', fn: (code: unknown) => void): void;
  terminate(): Promise<unknown>;
}

function botThread(): BotWorker {
  return new Worker(new URL('./bench-bots-worker.mjs', import.meta.url));
}

function botProcess(): BotWorker {
  const child = fork(fileURLToPath(new URL('./bench-bots.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return {
    postMessage: (m) => void child.send(m),
    on: (event: 'message' | 'error', fn: (x: any) => void) => void child.on(event, fn),
    once: (event, fn) => void child.once(event, fn),
    terminate: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
