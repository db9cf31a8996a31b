import type { GroupId, Opinion, Stance } from '@yishi/protocol';
import { OPINION_LIMITS, STANCES } from '@yishi/protocol/constants';

/** The group residents are counted in, in a digest: their own, beside the council's groups. */
export const RESIDENTS_GROUP = 'residents';

/** The group an author belongs to in a digest: a member's stakeholder group, or residents. */
export function digestGroup(author: { kind: 'member' | 'resident'; groupId: GroupId | null }): string {
  return author.kind === 'resident' || author.groupId === null ? RESIDENTS_GROUP : author.groupId;
}

export interface DigestCounts {
  counts: { stance: Stance; group: string; count: number }[];
  total: number;
  replies: number;
}

/**
 * Counts by stance x stakeholder group of the shown top-level opinions (withdrawn and hidden ones
 * do not count), in the order of STANCES then of first appearance of each group; and the replies.
 */
export function digestCounts(opinions: readonly Pick<Opinion, 'stance' | 'state' | 'depth' | 'author'>[]): DigestCounts {
  const cells = new Map<string, { stance: Stance; group: string; count: number }>();
  let total = 0;
  let replies = 0;
  for (const o of opinions) {
    if (o.state !== 'visible') continue;
    if (o.depth > 0 || o.stance === null) {
      replies++;
      continue;
    }
    total++;
    const group = digestGroup(o.author);
    const key = `${o.stance}/${group}`;
    const cell = cells.get(key) ?? { stance: o.stance, group, count: 0 };
    cell.count++;
    cells.set(key, cell);
  }
  const counts = [...cells.values()].sort((a, b) => STANCES.indexOf(a.stance) - STANCES.indexOf(b.stance));
  return { counts, total, replies };
}

/** The most seconded shown opinions (ties: the earlier first). */
export function mostSeconded<O extends Pick<Opinion, 'seconds' | 'seq' | 'state'>>(
  opinions: readonly O[],
  n: number = OPINION_LIMITS.digestTop,
): O[] {
  return opinions
    .filter((o) => o.state === 'visible' && o.seconds > 0)
    .sort((a, b) => b.seconds - a.seconds || a.seq - b.seq)
    .slice(0, n);
}
