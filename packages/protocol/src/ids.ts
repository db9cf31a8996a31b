import { z } from 'zod';

// Branded IDs: a MeetingId cannot be passed where a MemberId is expected.
const id = <B extends string>(_brand: B) => z.string().uuid().brand<B>();

export const CouncilId = id('CouncilId');
export type CouncilId = z.infer<typeof CouncilId>;
export const GroupId = id('GroupId');
export type GroupId = z.infer<typeof GroupId>;
export const MemberId = id('MemberId');
export type MemberId = z.infer<typeof MemberId>;
export const MeetingId = id('MeetingId');
export type MeetingId = z.infer<typeof MeetingId>;
export const ResidentId = id('ResidentId');
export type ResidentId = z.infer<typeof ResidentId>;
