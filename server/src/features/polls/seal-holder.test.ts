import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BallotChoice, MemberId, PollId } from '@yishi/protocol';
import { createLogger } from '../../log.ts';
import { setUpSecretPoll } from '../../storage/ballot-linkage.acceptance.ts';
import { openDatabase } from '../../storage/database.ts';
import { createStore, type Store } from '../../storage/store.ts';
import { SealHolder, type SealOutcome } from './seal-holder.ts';
import type { PendingBallot, PollStore } from './store.ts';

const K = 3;

const ballot = (pollId: PollId, memberId: MemberId): PendingBallot => ({
  pollId,
  voterKey: `m:${memberId}`,
  voterName: '委员',
  electorate: 'members',
  idempotencyKey: randomUUID(),
  choice: { kind: 'motion', choice: 'yes' } as BallotChoice,
  secret: true,
  newReceiptHash: null,
  changeReceiptHash: null,
  mixAt: K,
});

/** The outcome, or 'still waiting' if the voter has not been answered within `ms`. */
const within = (p: Promise<SealOutcome>, ms: number) =>
  Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms))]);

describe('the seal holder after a close made elsewhere', () => {
  let dir: string;
  let store: Store;
  let shared: SealHolder | null = null;
  const holder = () => (shared ??= new SealHolder(store.polls));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'yishi-seal-holder-'));
    store = createStore(await openDatabase({ DATA_DIR: dir, DATABASE_URL: undefined }, createLogger('error')));
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Why test/e2e/room.test.ts casts in threes: ballots cast together may be sealed four at once,
  // and the two left over are never sealed below k: they wait for company, or for the close.
  it('seals every ballot held when a seal starts, and never fewer than k', async () => {
    const { pollId, memberIds } = await setUpSecretPoll(store);
    const answers = memberIds.slice(0, 4).map((id) => holder().hold(ballot(pollId, id), 'receipt', K, () => {}));
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 4 }, () => ({ ok: true, status: 'recorded', receipt: 'receipt' })));
    const late = memberIds.slice(4, 6).map((id) => holder().hold(ballot(pollId, id), 'receipt', K, () => {}));
    expect(await within(Promise.race(late), 500)).toBe('still waiting');
    // The close seals them with the whole poll; the settle after it answers them.
    await store.polls.close(pollId, async () => ({ result: {}, title: 'closed', outcome: [] }), holder().takeForClose(pollId));
    await holder().settle(pollId);
    expect(await Promise.all(late)).toEqual([
      { ok: true, status: 'recorded', receipt: null },
      { ok: true, status: 'recorded', receipt: null },
    ]);
  });

  // Seen in CI (two instances, a meeting closed mid-vote): a ballot held on the instance that did
  // not close was never answered. Two settles of the poll overlapped (the `seal:settled` handler
  // and the 1 s sweep); the later one to finish found its own map empty and deleted the poll's
  // entry, which by then was a new map holding a ballot that arrived in between.
  it('answers a ballot held between two overlapping settles', async () => {
    const { pollId, memberIds } = await setUpSecretPoll(store);
    // The first settle's read of the poll's state waits until the test lets it go.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    const polls: PollStore = Object.create(store.polls);
    polls.state = async (id) => {
      if (calls++ === 0) await gate;
      return store.polls.state(id);
    };
    const holder = new SealHolder(polls);

    const first = holder.hold(ballot(pollId, memberIds[0]!), null, K, () => {});
    // Another instance closes the poll.
    await store.polls.close(pollId, async () => ({ result: {}, title: 'closed elsewhere', outcome: [] }));
    const slow = holder.settle(pollId);
    await holder.settle(pollId);
    expect(await first).toEqual({ ok: false, code: 'poll_not_open' });

    // A ballot arrives between the two settles' ends (the instance still believed the poll open).
    const late = holder.hold(ballot(pollId, memberIds[1]!), null, K, () => {});
    release();
    await slow;
    // The sweep that runs every second answers whatever is still held for a closed poll.
    await holder.settleClosed();
    expect(await within(late, 2_000)).toEqual({ ok: false, code: 'poll_not_open' });
  });
});
