import type { FloorView, Group, Session, Speaker } from '@yishi/protocol';
import { groupName, t } from '$lib/i18n';

/** Whether a speaker is the person signed in here. */
export function isMe(speaker: Speaker, session: Session | null): boolean {
  if (!session) return false;
  if (session.kind === 'member') return speaker.kind === 'member' && speaker.memberId === session.member.id;
  if (session.kind === 'resident') return speaker.kind === 'resident' && speaker.residentId === session.residentId;
  return false;
}

/** A speaker's name with what they are (a resident, a guest), for lists and the display. */
export function speakerTag(speaker: Speaker, groups: ReadonlyMap<string, Group>): string {
  if (speaker.kind === 'member') return groupName(groups.get(speaker.groupId));
  return speaker.kind === 'resident' ? t('floor.resident') : t('floor.guest');
}

/** A balance row's name: a group's, or residents' or guests'. */
export function balanceName(key: string, groups: ReadonlyMap<string, Group>): string {
  if (key === 'residents') return t('floor.groupResidents');
  if (key === 'guests') return t('floor.groupGuests');
  return groupName(groups.get(key));
}

export type { FloorView };
