import type { MotionChoice, OptionKey, PollDefinition } from '@yishi/protocol';

/**
 * A motion's fixed choices in ballot order: protocol's MotionChoice, written out here so that
 * this module imports only types. The web app uses it (through withLiveTallies), and it imports
 * no zod (test/e2e/bundle.test.ts); option-keys.test.ts keeps the two lists equal.
 */
export const MOTION_KEYS: readonly MotionChoice[] = ['yes', 'no', 'abstain'];

/** The rows of a count, in ballot order: yes/no/abstain for a motion, else the option ids. */
export function optionKeys(poll: PollDefinition): OptionKey[] {
  return poll.kind === 'motion' ? [...MOTION_KEYS] : poll.options.map((o) => o.id);
}
