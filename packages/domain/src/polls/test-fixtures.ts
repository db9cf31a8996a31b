// Builders for the polls tests; not exported from the package.
import type { OptionId, PollDefinition, PollId, PollKind, PollRule } from '@yishi/protocol';
import { PollDefinition as PollSchema } from '@yishi/protocol';

export const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
export const opt = (n: number) => uuid(1000 + n) as OptionId;

const majority: PollRule = {
  quorum: { kind: 'none' },
  threshold: { share: { kind: 'simple_majority' }, base: 'ballots_cast', abstentions: 'excluded' },
};

/** A valid poll of the kind, parsed through the wire schema so tests use what the server would. */
export function makePoll(
  kind: PollKind,
  over: { options?: number; maxChoices?: number; rule?: Partial<PollRule> } & Partial<
    Pick<PollDefinition, 'eligibility' | 'secrecy' | 'results'>
  > = {},
): PollDefinition {
  const n = over.options ?? 3;
  const rule: PollRule = {
    ...majority,
    ...(kind === 'motion' ? {} : { threshold: null }),
    ...over.rule,
  };
  return PollSchema.parse({
    id: uuid(1) as PollId,
    title: 'Poll',
    kind,
    eligibility: over.eligibility ?? 'members',
    secrecy: over.secrecy ?? 'secret',
    results: over.results ?? 'live',
    rule,
    ...(kind === 'motion' ? {} : { options: Array.from({ length: n }, (_, i) => ({ id: opt(i), label: `Option ${i}` })) }),
    ...(kind === 'multiple' ? { maxChoices: over.maxChoices ?? 2 } : {}),
  });
}
