import type { Opinion, OpinionCounts } from '@yishi/protocol';
import { OPINION_LIMITS, STANCES } from '@yishi/protocol/constants';

/**
 * A thread as a client holds it: the opinions it has, keyed by id, and the cursor (the highest
 * sequence number it has applied). The web and the tests use the same rules for the pushes
 * (opinions:entries) and the answers (follow, since, page), so that no entry is applied twice
 * and no gap goes unnoticed.
 */
export interface ThreadState {
  byId: Map<string, Opinion>;
  cursor: number;
  /**
   * The highest number a push has shown the thread to reach (its `to`), applied or not: a gap's
   * push says the changes up to there are committed, so a catch-up goes on until it gets there.
   */
  heard: number;
  /** The reader's author ref (m:<id> or r:<id>), and the ids of its own anonymous posts. */
  ref: string | null;
  mine: Set<string>;
}

export function emptyThread(ref: string | null = null): ThreadState {
  return { byId: new Map(), cursor: 0, heard: 0, ref, mine: new Set() };
}

/** Whether the reader wrote it (by ref, or an anonymous post it knows as its own). */
export function isMine(t: ThreadState, o: Pick<Opinion, 'id' | 'author'>): boolean {
  return (t.ref !== null && o.author.ref === t.ref) || t.mine.has(o.id);
}

/** Keeps an opinion if it is newer than the one held (by rev). Returns whether it changed anything. */
export function mergeOpinion(t: ThreadState, o: Opinion): boolean {
  const held = t.byId.get(o.id);
  if (held && held.rev >= o.rev) return false;
  // The author keeps the text of their own hidden opinion (the public form pushed to all carries none).
  const text = o.text === null && o.state === 'hidden' && held?.text && isMine(t, o) ? held.text : o.text;
  t.byId.set(o.id, { ...o, text });
  return true;
}

export function mergeCounts(t: ThreadState, c: OpinionCounts): boolean {
  const held = t.byId.get(c.id);
  if (!held || held.rev >= c.rev) return false;
  t.byId.set(c.id, { ...held, rev: c.rev, seconds: c.seconds, ...(c.reports !== undefined ? { reports: c.reports } : {}) });
  return true;
}

export type PushOutcome = 'applied' | 'stale' | 'gap';

/**
 * Applies a push covering (from, to]: `gap` when it starts after the cursor (something was missed:
 * ask opinions:since {after: cursor}), `stale` when the cursor already covers it.
 */
export function applyPush(t: ThreadState, push: { from: number; to: number; entries: Opinion[]; counts: OpinionCounts[] }): PushOutcome {
  if (push.to > t.heard) t.heard = push.to;
  if (push.to <= t.cursor) return 'stale';
  if (push.from > t.cursor) return 'gap';
  for (const o of push.entries) mergeOpinion(t, o);
  for (const c of push.counts) mergeCounts(t, c);
  t.cursor = push.to;
  return 'applied';
}

/**
 * Applies a catch-up answer (opinions:since or follow with after): every entry, the cursor moves
 * to its cursor. Returns whether to ask again (needsCatchUp).
 */
export function applyCatchUp(t: ThreadState, page: { entries: Opinion[]; cursor: number; more: boolean }): boolean {
  for (const o of page.entries) mergeOpinion(t, o);
  // With more to come, the cursor is the last entry's rev (the next ask continues from there).
  const last = page.entries.at(-1);
  const next = page.more && last ? last.rev : page.cursor;
  if (next > t.cursor) t.cursor = next;
  return needsCatchUp(t, page.more);
}

/**
 * Whether a client must ask opinions:since again after an answer: the answer has more pages, or a
 * push seen meanwhile reaches past the cursor. The second happens when a gap's push arrives while
 * a catch-up is already asking (the client does not ask twice at once) and the server read that
 * answer before the push's changes committed: stopping there would leave the client short of
 * them until some later push, and if the thread then stays quiet, for good.
 */
export function needsCatchUp(t: ThreadState, more: boolean): boolean {
  return more || t.cursor < t.heard;
}

export type ThreadSort = 'seconded' | 'newest' | 'stance';

/**
 * The top-level opinions in the chosen order, each followed by its replies (oldest first, depth
 * first). `group` filters top-level opinions by digest group (a group id or 'residents').
 */
export function arrangeThread(
  opinions: Iterable<Opinion>,
  sort: ThreadSort,
  groupOf: (o: Opinion) => string,
  group: string | null = null,
): { opinion: Opinion; depth: number; flattened: boolean }[] {
  const children = new Map<string, Opinion[]>();
  const tops: Opinion[] = [];
  const all = [...opinions];
  const ids = new Set(all.map((o) => o.id));
  for (const o of all) {
    // A reply whose parent is not loaded (an older page) is shown as a top-level entry with "replying to".
    if (o.parentId && ids.has(o.parentId)) {
      const list = children.get(o.parentId) ?? [];
      list.push(o);
      children.set(o.parentId, list);
    } else tops.push(o);
  }
  const filtered = group === null ? tops : tops.filter((o) => groupOf(o) === group);
  const order: Record<ThreadSort, (a: Opinion, b: Opinion) => number> = {
    seconded: (a, b) => b.seconds - a.seconds || b.seq - a.seq,
    newest: (a, b) => b.seq - a.seq,
    stance: (a, b) => STANCES.indexOf(a.stance ?? 'support') - STANCES.indexOf(b.stance ?? 'support') || b.seq - a.seq,
  };
  filtered.sort(order[sort]);
  const out: { opinion: Opinion; depth: number; flattened: boolean }[] = [];
  const walk = (o: Opinion, depth: number) => {
    out.push({ opinion: o, depth: Math.min(depth, OPINION_LIMITS.displayDepth), flattened: depth > OPINION_LIMITS.displayDepth });
    for (const c of (children.get(o.id) ?? []).sort((a, b) => a.seq - b.seq)) walk(c, depth + 1);
  };
  for (const o of filtered) walk(o, 0);
  return out;
}
