import type { Group, Opinion } from '@yishi/protocol';
import { groupName, t } from '$lib/i18n';

/** How an author is named: the name (or "anonymous resident") and what they are (a group, or residents). */
export function authorLabel(o: Pick<Opinion, 'author'>, groups: ReadonlyMap<string, Group>): { name: string; role: string } {
  const a = o.author;
  const name = a.name ?? t('op.anonymousAuthor');
  if (a.kind === 'resident') return { name, role: t('op.resident') };
  const g = a.groupId ? groups.get(a.groupId) : undefined;
  return { name, role: g ? `${t('op.member')} · ${groupName(g)}` : t('op.member') };
}

/** The digest's group of an opinion: the member's group id, or `residents`. */
export function groupKey(o: Pick<Opinion, 'author'>): string {
  return o.author.kind === 'resident' || !o.author.groupId ? 'residents' : o.author.groupId;
}
