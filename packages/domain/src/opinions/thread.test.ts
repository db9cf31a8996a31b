import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MeetingId, Opinion, OpinionId } from '@yishi/protocol';
import { digestCounts, mostSeconded, RESIDENTS_GROUP } from './digest.ts';
import { applyCatchUp, applyPush, arrangeThread, emptyThread, needsCatchUp } from './thread.ts';

const M = 'a0000000-0000-4000-8000-000000000001' as MeetingId;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` as OpinionId;
function op(n: number, rev: number, extra: Partial<Opinion> = {}): Opinion {
  return {
    id: id(n),
    meetingId: M,
    itemId: null,
    seq: n,
    rev,
    parentId: null,
    depth: 0,
    replyingTo: null,
    stance: 'support',
    text: `t${n}`,
    author: { kind: 'resident', name: 'R', groupId: null, verified: false, anonymous: false, ref: 'r:x' },
    createdAt: '2026-01-01T00:00:00Z',
    editedAt: null,
    state: 'visible',
    hidden: null,
    seconds: 0,
    ...extra,
  };
}

describe('a client thread', () => {
  it('applies contiguous pushes, skips stale ones and reports a gap', () => {
    const t = emptyThread();
    expect(applyPush(t, { from: 0, to: 2, entries: [op(1, 1), op(2, 2)], counts: [] })).toBe('applied');
    expect(applyPush(t, { from: 0, to: 2, entries: [op(1, 1)], counts: [] })).toBe('stale');
    expect(applyPush(t, { from: 3, to: 4, entries: [op(4, 4)], counts: [] })).toBe('gap');
    expect(t.cursor).toBe(2);
    expect(applyPush(t, { from: 2, to: 5, entries: [op(5, 5)], counts: [{ id: id(1), rev: 3, seconds: 4 }] })).toBe('applied');
    expect(t.byId.get(id(1))!.seconds).toBe(4);
    expect(t.cursor).toBe(5);
  });

  it('keeps the text of its own opinion when it is hidden, and only of its own', () => {
    const hidden = { text: null, state: 'hidden' as const, hidden: { reason: 'duplicate' as const, note: null } };
    const mine = emptyThread('r:x');
    const other = emptyThread('r:y');
    for (const t of [mine, other]) {
      applyPush(t, { from: 0, to: 2, entries: [op(1, 1), op(2, 2, { author: { ...op(0, 0).author, anonymous: true, ref: null } })], counts: [] });
    }
    mine.mine.add(id(2));
    for (const t of [mine, other]) {
      applyPush(t, {
        from: 2,
        to: 4,
        entries: [op(1, 3, hidden), op(2, 4, { ...hidden, author: { ...op(0, 0).author, anonymous: true, ref: null } })],
        counts: [],
      });
    }
    expect(mine.byId.get(id(1))).toMatchObject({ text: 't1', state: 'hidden' });
    expect(mine.byId.get(id(2))).toMatchObject({ text: 't2', state: 'hidden' });
    expect(other.byId.get(id(1))).toMatchObject({ text: null, state: 'hidden' });
    expect(other.byId.get(id(2))).toMatchObject({ text: null, state: 'hidden' });
  });

  it('ends with every change once, whatever pushes are lost, when it catches up on gaps', () => {
    // A log of changes (n = opinion, each change a rev), delivered as batches some of which are lost.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
        (changes, batches) => {
          const log = changes.map((n, i) => op(n, i + 1, { seconds: i }));
          const latest = new Map<string, Opinion>();
          for (const o of log) latest.set(o.id, o);
          const since = (after: number) => {
            const byId = new Map<string, Opinion>();
            for (const o of log) if (o.rev > after) byId.set(o.id, latest.get(o.id)!);
            const entries = [...byId.values()].sort((a, b) => a.rev - b.rev);
            return { entries, cursor: log.length, more: false };
          };
          const t = emptyThread();
          let at = 0;
          for (const [size, lost] of batches) {
            if (at >= log.length) break;
            const to = Math.min(log.length, at + size);
            const push = { from: at, to, entries: log.slice(at, to), counts: [] };
            at = to;
            if (lost) continue;
            if (applyPush(t, push) === 'gap') applyCatchUp(t, since(t.cursor));
          }
          applyCatchUp(t, since(t.cursor));
          expect(t.cursor).toBe(log.length);
          expect(t.byId.size).toBe(latest.size);
          for (const [k, o] of latest) expect(t.byId.get(k)).toEqual(o);
        },
      ),
    );
  });

  it('catches up a gap pushed while a catch-up is under way, even when that catch-up was read before it', () => {
    // The client holds up to 2 and missed (2, 5]: the push (5, 7] is a gap and it asks since 2.
    const t = emptyThread();
    applyPush(t, { from: 0, to: 2, entries: [op(1, 1), op(2, 2)], counts: [] });
    expect(applyPush(t, { from: 5, to: 7, entries: [op(6, 6), op(7, 7)], counts: [] })).toBe('gap');
    // The server read that answer before 6 and 7 committed (the next push (7, 9] is another gap
    // while the client waits): it moves the cursor to 5 only.
    expect(applyPush(t, { from: 7, to: 9, entries: [op(8, 8), op(9, 9)], counts: [] })).toBe('gap');
    expect(applyCatchUp(t, { entries: [op(3, 3), op(4, 4), op(5, 5)], cursor: 5, more: false })).toBe(true);
    expect(needsCatchUp(t, false)).toBe(true);
    // So it asks again, and has everything it heard of; nothing more comes after that.
    expect(applyCatchUp(t, { entries: [op(6, 6), op(7, 7), op(8, 8), op(9, 9)], cursor: 9, more: false })).toBe(false);
    expect(t.cursor).toBe(9);
    expect([...t.byId.keys()]).toHaveLength(9);
  });

  it('arranges replies under their parents, at most three deep, sorted and filtered', () => {
    const a = op(1, 1, { seconds: 1 });
    const b = op(2, 2, { seconds: 5, stance: 'concern', author: { ...op(0, 0).author, kind: 'member', groupId: 'g' as never } });
    const r1 = op(3, 3, { parentId: a.id, depth: 1, stance: null });
    const r2 = op(4, 4, { parentId: r1.id, depth: 2, stance: null });
    const r3 = op(5, 5, { parentId: r2.id, depth: 3, stance: null });
    const r4 = op(6, 6, { parentId: r3.id, depth: 4, stance: null });
    const groupOf = (o: Opinion) => (o.author.kind === 'resident' ? RESIDENTS_GROUP : o.author.groupId!);
    const rows = arrangeThread([r4, r3, a, b, r1, r2], 'seconded', groupOf);
    expect(rows.map((r) => [r.opinion.seq, r.depth, r.flattened])).toEqual([
      [2, 0, false],
      [1, 0, false],
      [3, 1, false],
      [4, 2, false],
      [5, 3, false],
      [6, 3, true],
    ]);
    expect(arrangeThread([a, b], 'newest', groupOf).map((r) => r.opinion.seq)).toEqual([2, 1]);
    expect(arrangeThread([a, b], 'stance', groupOf).map((r) => r.opinion.seq)).toEqual([1, 2]);
    expect(arrangeThread([a, b], 'newest', groupOf, RESIDENTS_GROUP).map((r) => r.opinion.seq)).toEqual([1]);
  });

  it('counts shown top-level opinions by stance and group, residents their own group', () => {
    const g = 'g0000000-0000-4000-8000-000000000001' as never;
    const member = { kind: 'member' as const, name: 'M', groupId: g, verified: false, anonymous: false, ref: 'm:x' };
    const list = [
      op(1, 1, { stance: 'concern' }),
      op(2, 2, { stance: 'concern' }),
      op(3, 3, { stance: 'support', author: member }),
      op(4, 4, { stance: 'concern', state: 'hidden' }),
      op(5, 5, { stance: null, depth: 1, parentId: id(1) }),
      op(6, 6, { stance: 'support', state: 'withdrawn' }),
    ];
    expect(digestCounts(list)).toEqual({
      counts: [
        { stance: 'support', group: g, count: 1 },
        { stance: 'concern', group: RESIDENTS_GROUP, count: 2 },
      ],
      total: 3,
      replies: 1,
    });
    const top = mostSeconded([op(1, 1, { seconds: 2 }), op(2, 2, { seconds: 9 }), op(3, 3, { seconds: 2 }), op(4, 4, { seconds: 0 })], 2);
    expect(top.map((o) => o.seq)).toEqual([2, 1]);
  });
});
