import { afterAll, beforeAll, describe } from 'vitest';
import { agendaStoreAcceptance } from '../features/agenda/store.acceptance.ts';
import { attendanceStoreAcceptance } from '../features/attendance/store.acceptance.ts';
import { sessionStoreAcceptance } from '../features/auth/store.acceptance.ts';
import { councilStoreAcceptance } from '../features/councils/store.acceptance.ts';
import { joinCodeAcceptance } from '../features/meetings/join-codes.acceptance.ts';
import { closedMeetingStoreAcceptance, meetingStoreAcceptance } from '../features/meetings/store.acceptance.ts';
import { opinionStoreAcceptance } from '../features/opinions/store.acceptance.ts';
import { pollStoreAcceptance } from '../features/polls/store.acceptance.ts';
import type { StoreCase } from './acceptance-context.ts';
import { deadlineAcceptance } from './deadlines.acceptance.ts';
import type { Store } from './store.ts';

/**
 * One acceptance suite for every storage driver: each driver's test file calls this with a
 * fresh, empty store. If a driver passes it, the server works on it. Each feature's cases live
 * next to its store (features/<feature>/store.acceptance.ts); they run in this order on one store,
 * sharing the council and meeting the first ones make (StoreCase).
 */
export function runStoreAcceptance(driver: string, open: () => Promise<{ store: Store; dispose(): Promise<void> }>): void {
  describe(`storage on ${driver}`, () => {
    const t = {} as StoreCase;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      ({ store: t.store, dispose } = await open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    councilStoreAcceptance(t);
    meetingStoreAcceptance(t);
    attendanceStoreAcceptance(t);
    pollStoreAcceptance(t);
    agendaStoreAcceptance(t);
    opinionStoreAcceptance(t);
    sessionStoreAcceptance(t);
    closedMeetingStoreAcceptance(t);
    deadlineAcceptance(() => t);
    joinCodeAcceptance(() => t);
  });
}
