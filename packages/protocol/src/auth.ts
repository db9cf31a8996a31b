import { z } from 'zod';
import { Council, Member } from './council.ts';
import { MeetingId, ResidentId } from './ids.ts';
import { Code, Line } from './text.ts';

export const LinkSignInBody = z.object({ token: z.string().min(16).max(200) });
export type LinkSignInBody = z.infer<typeof LinkSignInBody>;

export const Login = z
  .string()
  .trim()
  .min(3)
  .max(40)
  .regex(/^[a-zA-Z0-9_.-]+$/);

export const PasswordSignInBody = z.object({
  login: Login,
  password: z.string().min(1).max(200),
});
export type PasswordSignInBody = z.infer<typeof PasswordSignInBody>;

export const SetPasswordBody = z.object({ login: Login, password: z.string().min(8).max(200) });
export type SetPasswordBody = z.infer<typeof SetPasswordBody>;

export const ResidentJoinBody = z.object({
  code: Code(4, 12),
  displayName: Line(1, 40),
});
export type ResidentJoinBody = z.infer<typeof ResidentJoinBody>;

export const Session = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('anonymous'), needsSetup: z.boolean() }),
  z.object({ kind: z.literal('member'), member: Member, council: Council }),
  z.object({
    kind: z.literal('resident'),
    residentId: ResidentId,
    displayName: z.string(),
    meetingId: MeetingId,
  }),
]);
export type Session = z.infer<typeof Session>;
