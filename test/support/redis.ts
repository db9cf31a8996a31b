import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import { freePort, waitFor } from './ports.ts';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A redis-server of the test's own on a free port, so a test can stop and restart it. */
export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'yishi-redis-'));
  let proc: ChildProcess | null = null;
  const start = async () => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: 'ignore',
    });
    await waitFor(
      async () => {
        const c = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false } });
        c.on('error', () => {}); // refused while it starts: expected, polled again
        try {
          await c.connect();
          return (await c.ping()) === 'PONG';
        } finally {
          if (c.isOpen) c.destroy();
        }
      },
      10_000,
      'redis to start',
    );
  };
  const stop = async () => {
    const p = proc;
    // A process killed by a signal has a null exitCode: check both, or a second stop waits forever.
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
