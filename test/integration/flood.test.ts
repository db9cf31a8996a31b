import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, connected, emit, type YishiClientSocket } from '../support/client.ts';
import { secretOpenMotion } from '../support/poll-fields.ts';
import { setUpCouncil } from '../support/council.ts';
import { waitFor } from '../support/ports.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { startTwoInstances, type TwoInstances } from '../support/two-instances.ts';

/**
 * Issue 8: one resident's session floods two real instances (shared Redis and PostgreSQL) with
 * sockets and view:get calls while an honest member votes. The member's acks stay fast, the
 * flood's sockets are capped across both instances, and memory comes back down afterwards.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOCKETS_PER_SESSION = 8; // the default (config.ts)

const rssMb = (p: ServerProcess) => {
  const status = readFileSync(`/proc/${p.proc.pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024);
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
/** test/load/flood-client.ts as a child process; its JSON lines by phase. */
function startFloodClient(args: { urls: string[]; cookie: string; meetingId: string; sockets: number }) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/load/flood-client.ts', JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, any>[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line.startsWith('{')) lines.push(JSON.parse(line));
    }
  });
  const line = async (phase: string) => {
    await waitFor(() => lines.some((l) => l.phase === phase), 60_000, `the flood client's ${phase} line`);
    return lines.find((l) => l.phase === phase)!;
  };
  return {
    line,
    stop: async () => {
      proc.kill('SIGTERM');
      return line('done');
    },
    kill: () => proc.kill('SIGKILL'),
  };
}

/** Waits out the rest of a send interval: the honest member's pace, not a wait for a condition. */
const pace = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

const outcome = (s: YishiClientSocket) =>
  new Promise<string>((resolve) => {
    s.once('connect', () => resolve('connected'));
    s.once('connect_error', (err) => resolve(err.message));
  });

describe('one session flooding two instances', () => {
  let servers: TwoInstances;
  let a: ServerProcess;
  let b: ServerProcess;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  let meetingId: string;
  let joinCode: string;
  let pollId: string;
  let honest: YishiClientSocket;
  const open: YishiClientSocket[] = [];

  beforeAll(async () => {
    servers = await startTwoInstances({ SOCKET_IDLE_SECONDS: '3' });
    ({ a, b } = servers);
    c = await setUpCouncil(a.url, a.setupUrl!);
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '加装电梯', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    meetingId = m.id;
    joinCode = m.joinCode;
    const fac = c.facilitator.socket({ base: b.url });
    open.push(fac);
    await connected(fac);
    await emit(fac, 'meeting:join', { meetingId });
    await emit(fac, 'meeting:transition', { meetingId, to: 'live' });
    const r = await emit(fac, 'poll:create', {
      meetingId,
      title: '是否加装电梯',
      ...secretOpenMotion,
    });
    if (!r.ok) throw new Error(JSON.stringify(r));
    pollId = r.data.poll.definition.id;
    await emit(fac, 'poll:open', { pollId });
    honest = c.member.socket({ base: a.url });
    open.push(honest);
    await connected(honest);
    expect(await emit(honest, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    // A secret ballot is acked once sealed with two others' on the same instance (k = 3): the
    // honest member's first ballot goes in with the facilitator's and the admin's, on A; every
    // later vote below changes it with its receipt.
    // (From the member's second tab, so the honest socket's own rate budget is left to the test.)
    const company = [c.facilitator.socket({ base: a.url }), c.admin.socket({ base: a.url }), c.member.socket({ base: a.url })];
    for (const s of company) {
      open.push(s);
      await connected(s);
      await emit(s, 'meeting:join', { meetingId });
    }
    const cast = (s: typeof honest, choice: string) =>
      emit(s, 'ballot:cast', { pollId, choice: { kind: 'motion', choice }, idempotencyKey: crypto.randomUUID() });
    const [first, ...others] = await Promise.all([cast(company[2]!, 'yes'), cast(company[0]!, 'no'), cast(company[1]!, 'no')]);
    for (const r of [first, ...others]) expect(r).toMatchObject({ ok: true });
    receipt = first!.ok ? (first.data.receipt ?? undefined) : undefined;
    expect(receipt).toEqual(expect.any(String));
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await servers?.stop();
  });

  let receipt: string | undefined;
  /**
   * A socket may send 20 events a second after a burst of 40 (perSocket in socket-server.ts), and
   * is told rate_limited beyond that whoever else is connected. The honest member stays inside
   * it: a vote every 60 ms (about 17 a second, far more than a person taps), so a refusal here
   * can only come from the flood, and each latency is the server's, not the member's own budget.
   */
  const HONEST_VOTE_EVERY_MS = 60;
  /** The honest member votes `n` times (changing the ballot with the receipt); returns each ack's latency. */
  const vote = async (n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i > 0) await pace(HONEST_VOTE_EVERY_MS - ms[i - 1]!);
      const started = performance.now();
      const r = await emit(honest, 'ballot:cast', {
        pollId,
        choice: { kind: 'motion', choice: i % 2 === 0 ? 'yes' : 'no' },
        idempotencyKey: crypto.randomUUID(),
        ...(receipt ? { receipt } : {}),
      });
      ms.push(performance.now() - started);
      if (process.env.FLOOD_DEBUG && i % 20 === 0) console.log('vote', i, Math.round(ms[i]!), 'rss', rssMb(a), rssMb(b));
      if (!r.ok) throw new Error(JSON.stringify(r));
      receipt = r.data.receipt ?? receipt;
    }
    return ms;
  };

  it('keeps the honest member fast and the flood capped, across both instances', async () => {
    const quiet = await vote(100);
    const before = { a: rssMb(a), b: rssMb(b) };

    const flooder = new ApiClient(a.url);
    await flooder.ok('POST', '/api/join', { code: joinCode, displayName: '刷屏者' });
    // The flood runs in its own process, as it would on the attacker's machine: 1,000 sockets on
    // one cookie, half to each instance, then every accepted one asks as fast as it can while
    // more handshakes keep arriving (test/load/flood-client.ts).
    const flood = startFloodClient({ urls: [a.url, b.url], cookie: flooder.cookie, meetingId, sockets: 1000 });
    const opened = await flood.line('opened');
    // Measured once the flood is under way: sockets asking, handshakes arriving.
    await waitFor(() => rssMb(a) > 0, 1_000, 'a moment');
    if (process.env.FLOOD_DEBUG) console.log('opened', JSON.stringify(opened));
    const flooded = await vote(300);
    const peak = { a: rssMb(a), b: rssMb(b) };
    // While the flood still handshakes, someone else on the same address (every client here is
    // 127.0.0.1, as a room behind one NAT is) opens a new connection on each instance: the flood
    // spends its own session's handshake budget, not the address's.
    const during: string[] = [];
    for (const base of [a.url, b.url]) {
      const s = c.admin.socket({ base });
      open.push(s);
      during.push(await outcome(s));
      s.close();
    }
    const done = await flood.stop();

    // The admin can still connect, to either instance.
    for (const base of [a.url, b.url]) {
      const s = c.admin.socket({ base });
      open.push(s);
      await connected(s);
      s.close();
    }

    // The flood has ended (its process closed its sockets); memory returns near where it was.
    await waitFor(
      async () => {
        const probe = flooder.socket({ base: b.url });
        const r = await outcome(probe);
        probe.close();
        return r === 'connected';
      },
      10_000,
      "the flooder's places to be freed",
    );
    const after = { a: rssMb(a), b: rssMb(b) };

    const figures = {
      quiet: { p50: percentile(quiet, 50), p99: percentile(quiet, 99) },
      flooded: { p50: percentile(flooded, 50), p99: percentile(flooded, 99), max: Math.max(...flooded) },
      flood: { ...opened, ...done },
      rssMb: { before, peak, after },
    };
    console.log('flood figures', JSON.stringify(figures));
    expect(during).toEqual(['connected', 'connected']);
    expect(opened.accepted).toBe(SOCKETS_PER_SESSION); // not 8 per instance: the count is shared
    // The rest are refused: over the cap (too_many_connections), or before the upgrade for
    // handshaking too fast on one session (the client sees a plain websocket error).
    expect(opened.refused + (opened.other['websocket error'] ?? 0)).toBe(1000 - SOCKETS_PER_SESSION);
    // The bound is 250 ms. On a machine so busy that even the unflooded acks of this same run have
    // a p99 above that (a shared 2-core CI box), the flood must not add more than half again: the
    // test asserts what the flood costs, not how loaded the machine is. Unfixed, not one ack came
    // back within the test's two minutes.
    expect(percentile(flooded, 99)).toBeLessThan(Math.max(250, 1.5 * percentile(quiet, 99)));
    for (const k of ['a', 'b'] as const) expect(after[k] - before[k]).toBeLessThan(150);
  });

  it('closes sockets that never join a meeting', async () => {
    const idle = c.admin.socket({ base: b.url });
    open.push(idle);
    await connected(idle);
    const reason = await new Promise<string>((resolve) => idle.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    expect(honest.connected).toBe(true);
  });
});
