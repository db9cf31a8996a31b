import type { MeetingId, MemberId } from '@yishi/protocol';
import type { Store } from './store.ts';

/**
 * What the storage acceptance cases share as they run in order on one fresh store: the council's
 * cases set it up (councilId, adminId), the meetings' create the meeting later cases use.
 */
export interface StoreCase {
  store: Store;
  councilId: string;
  adminId: MemberId;
  meetingId: MeetingId;
}
