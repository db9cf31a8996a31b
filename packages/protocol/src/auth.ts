/** Signing in (by link or password), a resident joining by code, and who the session is. HTTP only. */
import { z } from 'zod';
import { TEXT_LIMITS } from './constants.ts';
import { Council, Member } from './councils.ts';
import { MeetingId, ResidentId } from './ids.ts';
import { Code, Line } from './text.ts';

export const LinkSignInBody = z.object({ token: z.string().min(16).max(200) });
export type LinkSignInBody = z.infer<typeof LinkSignInBody>;

export const Login = z
  .string()
  .trim()
  .min(TEXT_LIMITS.loginMinChars)
  .max(TEXT_LIMITS.loginMaxChars)
  .regex(/^[a-zA-Z0-9_.-]+$/);

export const PasswordSignInBody = z.object({
  login: Login,
  password: z.string().min(1).max(TEXT_LIMITS.passwordMaxChars),
});
export type PasswordSignInBody = z.infer<typeof PasswordSignInBody>;

export const SetPasswordBody = z.object({ login: Login, password: z.string().min(TEXT_LIMITS.passwordMinChars).max(TEXT_LIMITS.passwordMaxChars) });
export type SetPasswordBody = z.infer<typeof SetPasswordBody>;

export const ResidentJoinBody = z.object({
  code: Code(TEXT_LIMITS.joinCodeMinChars, TEXT_LIMITS.joinCodeMaxChars),
  displayName: Line(1, TEXT_LIMITS.displayNameChars),
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
