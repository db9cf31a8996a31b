import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lanAddresses } from '../../server/src/http/link-origin.ts';
import { freePort, waitFor } from '../support/ports.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `npm start` is how a community centre runs Yishi, and process managers stop it with SIGTERM
 * to the process they started: npm. npm forwards SIGTERM/SIGINT only to its direct child, the
 * `sh -c "node scripts/start.mjs"` it runs the script in; Debian's sh (dash) dies of it without
 * passing it on, so scripts/start.mjs and the server below it never hear it. These tests send
 * the signal to the one process a user or a supervisor would, and check that the server itself
 * shut down cleanly: it logged the signal, its process is gone, PGlite's data folder is unlocked
 * (the next start on the same DATA_DIR succeeds).
 */

/** Linux: the pids below `pid`, read from /proc (the server is npm's great-grandchild). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Running, and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Started {
  proc: ChildProcess;
  serverPid: number;
  output(): string;
  /** Every process holding the output pipes (npm, sh, start.mjs, the server) has closed them. */
  closed(): boolean;
}

const leftovers: number[] = [];
const dirs: string[] = [];

async function start(command: string, args: string[], dataDir: string, ownGroup = false, host = '127.0.0.1'): Promise<Started & { port: number }> {
  const port = await freePort();
  const proc = spawn(command, args, {
    cwd: ROOT,
    // Its own process group, as a terminal gives a foreground command (Ctrl-C signals the group).
    detached: ownGroup,
    env: { ...process.env, HOST: host, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let closed = false;
  proc.once('close', () => (closed = true));
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  // npm start installs and builds first (quick when nothing changed), then starts the server.
  const listening = await waitFor(
    () => (proc.exitCode !== null || proc.signalCode !== null ? 'exited' : out.includes('"yishi listening"') && 'listening'),
    240_000,
    `${command} ${args.join(' ')} to listen`,
  );
  if (listening === 'exited') throw new Error(`${command} ${args.join(' ')} exited early:\n${out}`);
  const serverPid = descendants(proc.pid!).find((p) => cmdline(p).includes('server/src/main.ts'));
  if (!serverPid) throw new Error('no server process below the start command');
  leftovers.push(serverPid);
  return { proc, serverPid, port, output: () => out, closed: () => closed };
}

/** `signal` goes to the start command (or its group); the server must stop on it, cleanly. */
async function expectCleanStop(s: Started, signal: 'SIGTERM' | 'SIGINT', dataDir: string, { group = false } = {}): Promise<void> {
  // One process, as `kill <pid>` or a supervisor does, or its whole group, as Ctrl-C does.
  if (group) process.kill(-s.proc.pid!, signal);
  else s.proc.kill(signal);
  await waitFor(() => s.proc.exitCode !== null || s.proc.signalCode !== null, 20_000, 'the start command to exit');
  await waitFor(() => !alive(s.serverPid), 20_000, `the server (pid ${s.serverPid}) to stop after ${signal}`).catch((err: Error) => {
    throw new Error(`${err.message}\n--- output ---\n${s.output()}`);
  });
  // The server's last lines may still be in the pipe: read to its end.
  await waitFor(() => s.closed(), 10_000, 'the output to end');
  // pino writes the fields before the message: match the one line either way round.
  expect(s.output(), s.output()).toMatch(new RegExp(`^(?=.*"msg":"shutting down")(?=.*"signal":"${signal}").*$`, 'm'));
  // A clean close releases the folder's lock; a killed server would leave it behind.
  expect(existsSync(path.join(dataDir, 'yishi.lock'))).toBe(false);
}

describe('`npm start`: where phones reach it, and a signal stops the server', () => {
  afterAll(() => {
    // On a failure, do not leave servers we started running.
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const dataDir = mkdtempSync(path.join(tmpdir(), 'yishi-signals-'));
  dirs.push(dataDir);

  it('SIGTERM to the npm process (kill <pid>, a supervisor) shuts the server down cleanly', async () => {
    // As on a fresh install: listening on all interfaces, no PUBLIC_ORIGIN.
    const s = await start('npm', ['start'], dataDir, false, '0.0.0.0');
    // It says where phones can reach it, and the setup link is one of those (never localhost).
    const lan = lanAddresses().map((a) => `http://${a}:${s.port}`);
    if (lan.length > 0) {
      expect(s.output()).toContain(`Yishi is running at ${lan[0]}\nPhones on the same network can open: ${lan.join('  ')}\n`);
      expect(s.output()).toMatch(new RegExp(`setup link[^\\n]*\\n\\s*${lan[0]!.replaceAll('.', '\\.')}/setup\\?token=`));
    }
    expect(s.output()).toContain(`On this computer: http://localhost:${s.port}`);
    await expectCleanStop(s, 'SIGTERM', dataDir);
  }, 300_000);

  // Ctrl-C in a terminal signals the whole foreground process group. (SIGINT to the npm process
  // alone stops nothing, before or after this fix: npm passes it to its shell, and dash waits
  // for its command to end instead of passing it on. Use SIGTERM to stop `npm start` by pid.)
  it('Ctrl-C (SIGINT to the process group of npm start) does too, and the next start on the same data folder succeeds', async () => {
    const s = await start('npm', ['start'], dataDir, true);
    await expectCleanStop(s, 'SIGINT', dataDir, { group: true });
  }, 300_000);

  it('SIGINT to scripts/start.mjs run directly does too', async () => {
    const s = await start(process.execPath, ['scripts/start.mjs'], dataDir);
    await expectCleanStop(s, 'SIGINT', dataDir);
  }, 300_000);
});
