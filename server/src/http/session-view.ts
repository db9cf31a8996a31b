import type { Session } from '@yishi/protocol';
import type { Services } from '../services.ts';
import type { SessionOwner } from '../storage/sessions.ts';
import { toMember } from '../storage/councils.ts';
import { AppError } from '../errors.ts';

/** The Session a client sees for an owner (or for nobody). */
export async function sessionView(services: Services, owner: SessionOwner | null): Promise<Session> {
  if (!owner) return { kind: 'anonymous', needsSetup: await services.store.councils.needsSetup() };
  if (owner.kind === 'resident') {
    return { kind: 'resident', residentId: owner.residentId, displayName: owner.displayName, meetingId: owner.meetingId };
  }
  const row = await services.store.councils.memberById(owner.memberId);
  if (!row) throw new AppError('unauthenticated');
  return { kind: 'member', member: toMember(row), council: await services.store.councils.get(owner.councilId) };
}
