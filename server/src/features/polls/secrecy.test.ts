import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollView } from '@yishi/protocol';
import { ApiClient, connected, emit, type YishiClientSocket } from '../../../../test/support/client.ts';
import { setUpCouncil } from '../../../../test/support/council.ts';
import { startInProcess } from '../../../../test/support/in-process.ts';
import { waitFor } from '../../../../test/support/ports.ts';
import type { LogSink } from '../../log.ts';

/**
 * Secret means secret: everything the server sends during a secret poll is captured, and no
 * message puts a voter next to a choice; the ballot table has no voter column; the log holds
 * no ballot content; who-has-voted stays hidden below the threshold.
 */
describe('secret ballots', () => {
  let app: Awaited<ReturnType<typeof startInProcess>>;
  let c: Awaited<ReturnType<typeof setUpCouncil>>;
  const captured: string[] = [];
  const logLines: string[] = [];
  const sockets: YishiClientSocket[] = [];

  /** A client whose every incoming message (events, acks, HTTP responses) is recorded. */
  function capture(api: ApiClient) {
    const call = api.call.bind(api);
    api.call = (async (method: string, path: string, body?: unknown) => {
      const r = await call(method, path, body);
      captured.push(JSON.stringify(r.body));
      return r;
    }) as ApiClient['call'];
    const s = api.socket();
    sockets.push(s);
    s.onAny((event, payload) => captured.push(JSON.stringify([event, payload])));
    const send = async <T>(event: string, payload: unknown): Promise<T> => {
      const r = await emit(s, event as never, payload);
      captured.push(JSON.stringify(r));
      return r as T;
    };
    return { s, send };
  }

  /** A secret motion for members (abstentions in the base), created and opened through `fac`; its id. */
  async function openSecretMotion(
    fac: Pick<ReturnType<typeof capture>, 'send'>,
    meetingId: string,
    title: string,
    results: 'live' | 'hidden_until_close',
  ) {
    const created = await fac.send<{ ok: true; data: { poll: { definition: { id: string } } } }>('poll:create', {
      meetingId,
      title,
      kind: 'motion',
      eligibility: 'members',
      secrecy: 'secret',
      results,
      rule: { quorum: { kind: 'none' }, threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'in_base' } },
    });
    const pollId = created.data.poll.definition.id;
    await fac.send('poll:open', { pollId });
    return pollId;
  }

  beforeAll(async () => {
    const record = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      void logLines.push(JSON.stringify({ level, msg, ...fields }));
    const log: LogSink = { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') };
    app = await startInProcess({ LOG_LEVEL: 'debug' }, log);
    c = await setUpCouncil(app.url, app.setupUrl!);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await app?.dispose();
  });

  it('stores secret ballots with no voter column and no time column', async () => {
    const rows = await app.services.store.db.execute(
      sql`SELECT column_name FROM information_schema.columns WHERE table_name = 'ballot_box' ORDER BY column_name`,
    );
    const columns = (rows as unknown as { rows: { column_name: string }[] }).rows.map((r) => r.column_name);
    expect(columns).toEqual(['choice', 'electorate', 'id', 'poll_id', 'receipt_hash']);
  });

  it('never sends a voter next to a secret choice, and names the voters of a live secret poll only once it is closed', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '秘密表决', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const admin = capture(c.admin);
    const fac = capture(c.facilitator);
    const mem = capture(c.member);
    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '旁听居民' });
    const watcher = capture(resident);
    for (const x of [admin, fac, mem, watcher]) {
      await connected(x.s);
      await x.send('meeting:join', { meetingId: m.id });
    }
    const pollId = await openSecretMotion(fac, m.id, '罢免物业经理', 'live');

    const lastPollView = async (): Promise<PollView> => {
      const r = await watcher.send<{ ok: true; data: { view: { data: { polls: PollView[] } } } }>('view:get', { meetingId: m.id, kind: 'polls' });
      return r.data.view.data.polls.find((p) => p.poll.definition.id === pollId)!;
    };
    // The tally is live; who has voted is not, while the results are (else each step of the
    // tally would sit next to the name that moved it). Three members.
    // k = 3: the first two wait (held, not counted: the tally does not move), the third seals all.
    const held = (x: { s: YishiClientSocket }) => new Promise<void>((r) => x.s.once('ballot:held', () => r()));
    const h1 = held(mem);
    const c1 = mem.send('ballot:cast', { pollId, choice: { kind: 'motion', choice: 'no' }, idempotencyKey: randomUUID() });
    await h1;
    const h2 = held(fac);
    const c2 = fac.send('ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() });
    await h2;
    expect((await lastPollView()).tally.electorates[0]!.turnout).toBe(0);
    expect((await lastPollView()).voters).toBeNull();
    const c3 = admin.send('ballot:cast', { pollId, choice: { kind: 'motion', choice: 'yes' }, idempotencyKey: randomUUID() });
    for (const r of await Promise.all([c1, c2, c3])) expect(r).toMatchObject({ ok: true });
    await waitFor(async () => (await lastPollView()).tally.electorates[0]!.turnout === 3, 2000, 'turnout 3');
    expect((await lastPollView()).voters).toBeNull();
    await fac.send('poll:close', { pollId });
    await waitFor(async () => (await lastPollView()).poll.state === 'closed', 2000, 'closed');
    expect((await lastPollView()).voters![0]!.names).toHaveLength(3);
    // Let the last broadcasts arrive.
    await waitFor(() => captured.some((x) => x.includes('"state":"closed"') && x.startsWith('["view"')), 2000, 'the closed broadcast');

    // No message the server sent holds a ballot choice at all (tallies are counts), so no voter can sit next to one.
    const withChoices = captured.filter((x) => /"choice":"(yes|no|abstain)"/.test(x));
    expect(withChoices).toEqual([]);
    // Nor does the final record keep a name for a secret ballot.
    const final = await app.services.store.polls.finalBallots(pollId as never);
    expect(final.map((b) => b.voterName)).toEqual([null, null, null]);
    // And the log never saw a choice.
    expect(logLines.filter((l) => /"choice"|"yes"|"no"|abstain/.test(l))).toEqual([]);
    // Sanity: the capture did see the tally (counts), so the test can fail.
    expect(captured.some((x) => x.includes('"option":"no"'))).toBe(true);
  });

  it('logs no choice, receipt or token when a ballot fails to commit', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '写入失败', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const fac = capture(c.facilitator);
    await connected(fac.s);
    await fac.send('meeting:join', { meetingId: m.id });
    const pollId = await openSecretMotion(fac, m.id, '更换物业公司', 'hidden_until_close');
    // Fail the commit on purpose: every table a secret choice can be written to refuses it.
    const db = app.services.store.db;
    await db.execute(
      sql.raw(`CREATE OR REPLACE FUNCTION yishi_test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`),
    );
    const tables = ['ballot_box'];
    const present: string[] = [];
    for (const t of tables) {
      const r = (await db.execute(sql`SELECT to_regclass(${t})::text AS r`)) as unknown as { rows: { r: string | null }[] };
      if (!r.rows[0]!.r) continue;
      present.push(t);
      await db.execute(sql.raw(`CREATE TRIGGER yishi_test_fail BEFORE INSERT ON ${t} FOR EACH ROW EXECUTE FUNCTION yishi_test_fail()`));
    }
    logLines.length = 0;
    try {
      // Three voters (k = 3), so the sealing transaction runs and fails.
      const others = [capture(c.admin), capture(c.member)];
      for (const o of others) {
        await connected(o.s);
        await o.send('meeting:join', { meetingId: m.id });
      }
      const rs = await Promise.all(
        [fac, ...others].map((x) =>
          x.send<{ ok: boolean }>('ballot:cast', { pollId, choice: { kind: 'motion', choice: 'abstain' }, idempotencyKey: randomUUID() }),
        ),
      );
      for (const r of rs) expect(r.ok).toBe(false);
      await waitFor(() => logLines.some((l) => /disk full|Failed query/.test(l)), 2000, 'the failure in the log');
    } finally {
      for (const t of present) await db.execute(sql.raw(`DROP TRIGGER yishi_test_fail ON ${t}`));
    }
    // The database library's text carries the parameters: the choice, the receipt hash, the idempotency key.
    expect(logLines.filter((l) => /abstain|[0-9a-f]{64}|params: \[(?!redacted)|"kind"/.test(l))).toEqual([]);
  });

  it('links no voter to a choice from the views a participant receives, ballot by ballot', async () => {
    const m = await c.facilitator.ok('POST', '/api/meetings', { title: '十人表决', startsAt: '2026-12-01T19:00:00+08:00', mode: 'hybrid' });
    const council = c.council as { groups: { id: string }[]; members: unknown[] };
    // Ten members in all: seven more besides admin, facilitator and member (k = max(3, 20% of 10) = 3).
    const voters: { name: string; send: <T>(event: string, payload: unknown) => Promise<T> }[] = [];
    for (let i = voters.length; council.members.length + i < 10; i++) {
      const name = `委员${i + 1}`;
      const made = await c.admin.ok('POST', '/api/council/members', { name, groupId: council.groups[0]!.id, role: 'member' });
      const api = new ApiClient(app.url);
      await api.ok('POST', '/api/auth/link', { token: made.link.url.split('/signin/')[1] });
      voters.push({ name, ...capture(api) });
    }
    for (const [name, api] of [
      ['王主任', c.admin],
      ['李主持', c.facilitator],
      ['张业主', c.member],
    ] as const)
      voters.push({ name, ...capture(api) });
    for (const v of voters) await v.send('meeting:join', { meetingId: m.id });
    const resident = new ApiClient(app.url);
    await resident.ok('POST', '/api/join', { code: m.joinCode, displayName: '旁听居民' });
    const watcher = capture(resident);
    await connected(watcher.s);
    await watcher.send('meeting:join', { meetingId: m.id });

    const fac = voters.find((v) => v.name === '李主持')!;
    const pollId = await openSecretMotion(fac, m.id, '是否更换物业公司', 'live');

    // What the watcher is shown, after every ballot: the strongest version of the stream.
    type Seen = { names: string[] | null; counts: string };
    const seen: Seen[] = [];
    const look = async () => {
      const r = await watcher.send<{ ok: true; data: { view: { data: { polls: PollView[] } } } }>('view:get', { meetingId: m.id, kind: 'polls' });
      // view:get may answer with a snapshot up to a second old (LiveViews#recent), from before the
      // poll was made (adding the members above recomputed the polls view): nothing to see in it.
      const p = r.data.view.data.polls.find((x) => x.poll.definition.id === pollId);
      if (!p) return undefined;
      seen.push({ names: p.voters?.[0]?.names ?? null, counts: JSON.stringify([p.tally.electorates[0]!.turnout, p.tally.electorates[0]!.results]) });
      return p;
    };
    const choices = ['yes', 'no', 'abstain'] as const;
    const casts: Promise<{ ok: boolean }>[] = [];
    for (const [i, v] of voters.entries()) {
      // Each ballot is either held (waiting for company) or seals a batch: look after each.
      const held = new Promise<void>((r) => (v as unknown as { s: { once: (e: string, f: () => void) => void } }).s.once('ballot:held', r));
      const r = v.send<{ ok: boolean }>('ballot:cast', { pollId, choice: { kind: 'motion', choice: choices[i % 3] }, idempotencyKey: randomUUID() });
      casts.push(r);
      await Promise.race([held, r]);
      await look();
    }
    await fac.send('poll:close', { pollId });
    for (const r of await Promise.all(casts)) expect(r.ok).toBe(true);
    await waitFor(async () => (await look())?.poll.state === 'closed', 5000, 'closed');

    // The attack: whenever the tally moves, the names added since it last moved cast the ballots
    // that moved it. Fewer than k such names (and known before and after) links them.
    let linked = 0;
    let moved = seen[0]!;
    for (const s of seen.slice(1)) {
      if (s.counts === moved.counts) continue;
      if (s.names && moved.names) {
        const added = s.names.filter((n) => !moved.names!.includes(n));
        if (added.length > 0 && added.length < 3) linked += added.length;
      }
      moved = s;
    }
    // The watcher did see who voted (at the latest on close), so the attack had names to work with.
    expect(seen.at(-1)!.names).toHaveLength(10);
    expect(linked, 'voters linked to their choice from the view stream').toBe(0);
  });
});
