/**
 * The councils feature on the wire (HTTP only): a council, its stakeholder groups and members,
 * its quorum, first-run setup and the bodies of the settings page.
 */
import { z } from 'zod';
import { BUILTIN_GROUPS, QUORUM_LIMITS, ROLES, TEXT_LIMITS } from './constants.ts';
import { CouncilId, GroupId, MemberId } from './ids.ts';
import { Line } from './text.ts';
import { ConsensusRule } from './consensus.ts';

/** Built-in stakeholder groups from the source essay (BUILTIN_GROUPS); the UI translates them by key. */
export const BuiltinGroup = z.enum(BUILTIN_GROUPS);
export type BuiltinGroup = z.infer<typeof BuiltinGroup>;

const Name = Line(1, TEXT_LIMITS.nameChars);

export const Group = z.object({
  id: GroupId,
  name: Name,
  /** Set for the default groups so both languages can name them; null for custom groups. */
  builtin: BuiltinGroup.nullable(),
  position: z.number().int(),
});
export type Group = z.infer<typeof Group>;

export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const Quorum = z.discriminatedUnion('kind', [
  /** At least `count` members present. */
  z.object({ kind: z.literal('count'), count: z.number().int().min(0).max(QUORUM_LIMITS.maxCount) }),
  /** At least `percent` of all members present (rounded up). */
  z.object({ kind: z.literal('share'), percent: z.number().int().min(1).max(100) }),
]);
export type Quorum = z.infer<typeof Quorum>;

export const Member = z.object({
  id: MemberId,
  name: Name,
  groupId: GroupId,
  role: Role,
  login: z.string().nullable(),
});
export type Member = z.infer<typeof Member>;

export const Council = z.object({
  id: CouncilId,
  name: Name,
  quorum: Quorum,
  groups: z.array(Group),
  members: z.array(Member),
  /** When a consensus check has reached consensus (issue 12); the defaults until the council sets one. */
  consensusRule: ConsensusRule,
});
export type Council = z.infer<typeof Council>;

// ---- HTTP bodies ----

export const SetupBody = z.object({
  token: z.string().min(16).max(200),
  councilName: Name,
  adminName: Name,
});
export type SetupBody = z.infer<typeof SetupBody>;

/** Whether the first-run setup is still to be done: a used setup link says so instead of a form. */
export const SetupStatus = z.object({ needed: z.boolean() });
export type SetupStatus = z.infer<typeof SetupStatus>;

export const UpdateCouncilBody = z.object({ name: Name.optional(), quorum: Quorum.optional(), consensusRule: ConsensusRule.optional() });
export type UpdateCouncilBody = z.infer<typeof UpdateCouncilBody>;

export const CreateGroupBody = z.object({ name: Name });
export type CreateGroupBody = z.infer<typeof CreateGroupBody>;
export const UpdateGroupBody = z.object({ name: Name });
export type UpdateGroupBody = z.infer<typeof UpdateGroupBody>;

export const CreateMemberBody = z.object({ name: Name, groupId: GroupId, role: Role });
export type CreateMemberBody = z.infer<typeof CreateMemberBody>;
export const UpdateMemberBody = z.object({
  name: Name.optional(),
  groupId: GroupId.optional(),
  role: Role.optional(),
});
export type UpdateMemberBody = z.infer<typeof UpdateMemberBody>;

/** A freshly issued personal sign-in link; the token is shown once and stored only hashed. */
export const SignInLink = z.object({ memberId: MemberId, url: z.string() });
export type SignInLink = z.infer<typeof SignInLink>;

/** GET /api/link-origin: the origin join links and QR codes are built on (a phone can open it). */
export const LinkOrigin = z.object({ origin: z.string() });
export type LinkOrigin = z.infer<typeof LinkOrigin>;
