import type { Session } from '@yishi/protocol';
import type { Services } from '../services.ts';
import type { Principal } from '@yishi/domain';
import { toMember } from '../features/councils/store.ts';
import { AppError } from '../errors.ts';

/** The Session a client sees for an principal (or for nobody). */
export async function sessionView(services: Services, principal: Principal | null): Promise<Session> {
  if (!principal) return { kind: 'anonymous', needsSetup: await services.store.councils.needsSetup() };
  if (principal.kind === 'resident') {
    return { kind: 'resident', residentId: principal.residentId, displayName: principal.displayName, meetingId: principal.meetingId };
  }
  const row = await services.store.councils.memberById(principal.memberId);
  if (!row) throw new AppError('unauthenticated');
  return { kind: 'member', member: toMember(row), council: await services.store.councils.get(principal.councilId) };
}
