import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { connected, emit, type YishiClientSocket } from './client.ts';

/**
 * The test helper `emit` under a socket that goes away while its ack is awaited. A bare Socket.IO
 * server in its own process receives the event and never answers it; then it either drops the
 * socket or freezes (SIGSTOP, as a server under load looks: no pings, so the client's ping times out).
 */
const TEST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = `
import { Server } from 'socket.io';
const io = new Server({ pingInterval: 300, pingTimeout: 300 });
io.on('connection', (s) => {
  s.on('meeting:join', (_payload, _ack) => {
    process.stdout.write('got\\n');
    if (process.env.MODE === 'kick') s.disconnect(true);
  });
});
io.listen(0);
io.httpServer.on('listening', () => process.stdout.write('port ' + io.httpServer.address().port + '\\n'));
`;

let proc: ChildProcess | undefined;
let socket: YishiClientSocket | undefined;
afterEach(() => {
  socket?.close();
  if (proc && proc.exitCode === null) {
    proc.kill('SIGCONT');
    proc.kill('SIGKILL');
  }
});

async function start(mode: 'kick' | 'freeze'): Promise<{ url: string; got: Promise<void> }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', SERVER], { cwd: TEST_DIR, env: { ...process.env, MODE: mode } });
  proc = child;
  let out = '';
  let gotIt: () => void = () => {};
  const got = new Promise<void>((r) => (gotIt = r));
  const port = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', () => reject(new Error(`server exited: ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /port (\d+)/.exec(out);
      if (m) resolve(m[1]!);
      if (out.includes('got')) gotIt();
    });
  });
  return { url: `http://127.0.0.1:${port}`, got };
}

describe('emit when the socket goes before the ack', () => {
  it('rejects at once, naming the event and the reason, when the server drops the socket', async () => {
    const { url, got } = await start('kick');
    socket = io(url, { transports: ['websocket'], reconnection: false }) as YishiClientSocket;
    await connected(socket);
    const started = Date.now();
    // Settled into a value at once: the rejection may come before `got` is seen here.
    const outcome = emit(socket, 'meeting:join', { meetingId: 'm' }).then(
      () => 'acked',
      (e: Error) => e.message,
    );
    await got;
    expect(await outcome).toBe('meeting:join: no ack, the socket disconnected first (io server disconnect)');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('rejects once the ping times out when the server freezes mid-emit, and does not wait for the test timeout', async () => {
    const { url, got } = await start('freeze');
    socket = io(url, { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 200 }) as YishiClientSocket;
    await connected(socket);
    const outcome = emit(socket, 'meeting:join', { meetingId: 'm' }).then(
      () => 'acked',
      (e: Error) => e.message,
    );
    await got;
    proc!.kill('SIGSTOP');
    const frozenAt = Date.now();
    expect(await outcome).toBe('meeting:join: no ack, the socket disconnected first (ping timeout)');
    // pingInterval + pingTimeout is 600 ms here (45 s by default): well within either.
    expect(Date.now() - frozenAt).toBeLessThan(5_000);
  });
});
